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

    static func find<S: RandomAccessCollection<Unicode.Scalar>>(_ s: S, _ needle: [Unicode.Scalar], from: Int) -> Int? where S.Index == Int {
        guard !needle.isEmpty else { return from <= s.endIndex ? from : nil }
        var i = from
        while i + needle.count <= s.endIndex {
            if s[i] == needle[0] {
                var k = 1
                while k < needle.count, s[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// How many times `needle` occurs in `s`, not overlapping (Python's `str.count`).
    static func count(_ s: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Int {
        var found = 0, i = 0
        while let p = find(s, needle, from: i) { found += 1; i = p + needle.count }
        return found
    }

    static func occurrences(_ s: [Unicode.Scalar], _ needle: String) -> [Int] {
        let n = Array(needle.unicodeScalars)
        var found: [Int] = [], i = 0
        while let p = find(s, n, from: i) { found.append(p); i = p + n.count }
        return found
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    static let countedIndex: [Unicode.Scalar: Int] = Dictionary(uniqueKeysWithValues: counted.enumerated().map { ($1.1, $0) })
    static let percent20 = Array("%20".unicodeScalars), http = Array("http".unicodeScalars)
    static let doubleSlash = Array("//".unicodeScalars)
    static let hintScalars = Patterns.hints.map { Array($0.unicodeScalars) }

    /// The features of one URL, in `names` order.
    public static func features(_ url: String) -> [Double] {
        let u = Array(url.unicodeScalars)
        let parts = Parts(u)
        var out = [Double](repeating: 0, count: counted.count)
        var digits = 0, spaces = 0
        for c in u {
            if c.value < 0x80 {
                if let k = countedIndex[c] { out[k] += 1 }
                if isDigit(c) { digits += 1 } else if c == " " { spaces += 1 }
            }
        }
        out.append(Double(u.count))
        out.append(Double(parts.host.count))
        out.append(Double(spaces + count(u, percent20)))
        // Words are the pieces between separators; "www" holds no separator, so each occurrence lies in one word.
        var wwwWords = 0, wordStart = 0, lastCounted = -1
        for (i, c) in u.enumerated() {
            if wordSeparators.contains(c) { wordStart = i + 1; continue }
            if c == "w", i >= wordStart + 2, u[i - 1] == "w", u[i - 2] == "w", lastCounted != wordStart { wwwWords += 1; lastCounted = wordStart }
        }
        out.append(Double(wwwWords))
        var lastDoubleSlash = 0, from = 0
        while let p = find(u, doubleSlash, from: from) { lastDoubleSlash = p; from = p + 2 }
        out.append(lastDoubleSlash > 6 ? 1 : 0)
        out.append(Double(count(parts.path, http)))
        out.append(parts.scheme == "https" ? 0 : 1)
        out.append(u.isEmpty ? 0 : Double(digits) / Double(u.count))
        out.append(parts.host.isEmpty ? 0 : Double(parts.host.reduce(0) { $0 + (isDigit($1) ? 1 : 0) }) / Double(parts.host.count))
        out.append(url.hasPrefix("http://xn--") || url.hasPrefix("https://xn--") ? 1 : 0)
        out.append(hasPort(u) ? 1 : 0)
        out.append(prefixSuffix(u) ? 1 : 0)
        let dots = Int(out[0])
        out.append(dots == 1 ? 1 : dots == 2 ? 2 : 3)
        out.append(Patterns.ip(url) ? 1 : 0)
        out.append(Patterns.shortener(url) ? 1 : 0)
        out.append(Patterns.abnormalSubdomain(url) ? 1 : 0)
        let lower = lowercased(u)
        out.append(Double(hintScalars.reduce(0) { $0 + count(lower, $1) }))
        return out
    }

    static let userinfo = Set("-._~%!$&'()*+,;=".unicodeScalars)
    static let hostChars = Set("-._~%".unicodeScalars)

    /// `scheme://[userinfo@]host:digits` with a lowercase scheme and host (the dataset's regular expression).
    static func hasPort(_ u: [Unicode.Scalar]) -> Bool {
        guard let first = u.first, ("a"..."z").contains(first), let sep = find(u, Array("://".unicodeScalars), from: 0) else { return false }
        let lowerDigits: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || isDigit($0) }
        guard u[1..<sep].allSatisfy({ lowerDigits($0) || "+-.".unicodeScalars.contains($0) }) else { return false }
        let start = sep + 3
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
