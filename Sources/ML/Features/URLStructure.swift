/// URL-structure features computed from the URL string alone, named and defined as in the phishing-URL
/// dataset, so a model trained on its columns can score a raw URL.
public enum URLStructure {
    /// Feature names in output order.
    public static let names: [String] = counted.map(\.0) + [
        "length_url", "length_hostname", "nb_space", "nb_www", "nb_dslash", "http_in_path", "https_token",
        "ratio_digits_url", "ratio_digits_host", "punycode", "port", "prefix_suffix", "nb_subdomains",
        "ip", "shortening_service", "abnormal_subdomain", "phish_hints",
    ]

    static let counted: [(String, Unicode.Scalar)] = [
        ("nb_dots", "."), ("nb_hyphens", "-"), ("nb_at", "@"), ("nb_qm", "?"), ("nb_and", "&"), ("nb_or", "|"),
        ("nb_eq", "="), ("nb_underscore", "_"), ("nb_tilde", "~"), ("nb_percent", "%"), ("nb_slash", "/"),
        ("nb_star", "*"), ("nb_colon", ":"), ("nb_comma", ","), ("nb_semicolumn", ";"), ("nb_dollar", "$"),
    ]

    /// The parts of a URL as Python's urlsplit sees them (enough for these features).
    struct Parts {
        var scheme = ""
        var host: [Unicode.Scalar] = []
        var path: [Unicode.Scalar] = []

        init(_ url: [Unicode.Scalar]) {
            guard let sep = find(url, Array("://".unicodeScalars), from: 0), sep > 0,
                  url[0].properties.isAlphabetic,
                  url[..<sep].allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) }) else {
                path = Array(url.prefix { $0 != "?" && $0 != "#" })
                return
            }
            scheme = String(String.UnicodeScalarView(url[..<sep])).lowercased()
            let rest = url[(sep + 3)...]
            let hostEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            host = Array(rest[..<hostEnd])
            path = Array(rest[hostEnd...].prefix { $0 != "?" && $0 != "#" })
        }
    }

    static func find(_ s: [Unicode.Scalar], _ needle: [Unicode.Scalar], from: Int) -> Int? {
        guard needle.count <= s.count else { return nil }
        var i = from
        while i + needle.count <= s.count {
            if s[i] == needle[0] && Array(s[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    static func occurrences(_ s: [Unicode.Scalar], _ needle: String) -> [Int] {
        let n = Array(needle.unicodeScalars)
        var found: [Int] = [], i = 0
        while let p = find(s, n, from: i) { found.append(p); i = p + n.count }
        return found
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// The features of one URL, in `names` order.
    public static func features(_ url: String) -> [Double] {
        let u = Array(url.unicodeScalars)
        let parts = Parts(u)
        var out = counted.map { name, c in Double(u.filter { $0 == c }.count) }
        out.append(Double(u.count))
        out.append(Double(parts.host.count))
        out.append(Double(u.filter { $0 == " " }.count + occurrences(u, "%20").count))
        let separators = Set("-./?=@&%:_".unicodeScalars)
        let words = u.split(omittingEmptySubsequences: false) { separators.contains($0) }
        out.append(Double(words.filter { find(Array($0), Array("www".unicodeScalars), from: 0) != nil }.count))
        out.append((occurrences(u, "//").last ?? 0) > 6 ? 1 : 0)
        out.append(Double(occurrences(parts.path, "http").count))
        out.append(parts.scheme == "https" ? 0 : 1)
        out.append(u.isEmpty ? 0 : Double(u.filter(isDigit).count) / Double(u.count))
        out.append(parts.host.isEmpty ? 0 : Double(parts.host.filter(isDigit).count) / Double(parts.host.count))
        out.append(url.hasPrefix("http://xn--") || url.hasPrefix("https://xn--") ? 1 : 0)
        out.append(hasPort(u) ? 1 : 0)
        out.append(prefixSuffix(u) ? 1 : 0)
        let dots = u.filter { $0 == "." }.count
        out.append(dots == 1 ? 1 : dots == 2 ? 2 : 3)
        out.append(Patterns.ip(url) ? 1 : 0)
        out.append(Patterns.shortener(url) ? 1 : 0)
        out.append(Patterns.abnormalSubdomain(url) ? 1 : 0)
        let lower = Array(url.lowercased().unicodeScalars)
        out.append(Double(Patterns.hints.map { occurrences(lower, $0).count }.reduce(0, +)))
        return out
    }

    /// `scheme://[userinfo@]host:digits` with a lowercase scheme and host (the dataset's regular expression).
    static func hasPort(_ u: [Unicode.Scalar]) -> Bool {
        guard let first = u.first, ("a"..."z").contains(first), let sep = find(u, Array("://".unicodeScalars), from: 0) else { return false }
        let lowerDigits: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || isDigit($0) }
        guard u[1..<sep].allSatisfy({ lowerDigits($0) || "+-.".unicodeScalars.contains($0) }) else { return false }
        let start = sep + 3
        let userinfo = Set("-._~%!$&'()*+,;=".unicodeScalars)
        let hostChars = Set("-._~%".unicodeScalars)
        var starts = [start]
        var i = start
        while i < u.count, lowerDigits(u[i]) || userinfo.contains(u[i]) || u[i] == "@" {
            if u[i] == "@" && i > start { starts.append(i + 1) }
            i += 1
        }
        for s in starts {
            var j = s
            while j < u.count, lowerDigits(u[j]) || hostChars.contains(u[j]) { j += 1 }
            if j > s, j + 1 < u.count, u[j] == ":", isDigit(u[j + 1]) { return true }
        }
        return false
    }

    /// `https?://[^-]+-[^-]+/` anywhere in the URL.
    static func prefixSuffix(_ u: [Unicode.Scalar]) -> Bool {
        for prefix in ["http://", "https://"] {
            for p in occurrences(u, prefix) {
                var i = p + prefix.count
                let runStart = i
                while i < u.count, u[i] != "-" { i += 1 }
                guard i < u.count, i > runStart else { continue }
                var j = i + 1
                while j < u.count, u[j] != "-" {
                    if u[j] == "/" && j > i + 1 { return true }
                    j += 1
                }
            }
        }
        return false
    }
}
