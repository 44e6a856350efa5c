/// A host name split into subdomain, registered-domain label and public suffix, with the lenient host
/// extraction of Python's tldextract (2.x), which the phishing dataset's URL features were computed with.
struct DomainParts: Equatable {
    var subdomain: String
    var domain: String
    var suffix: String

    init(subdomain: String, domain: String, suffix: String) {
        self.subdomain = subdomain
        self.domain = domain
        self.suffix = suffix
    }

    init(url: String, suffixes: PublicSuffixList) {
        let host = DomainParts.host(of: url)
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let start = suffixes.suffixStart(labels.map { Substring($0.lowercased()) })
        let suffix = labels[start...].joined(separator: ".")
        if suffix.isEmpty, !host.isEmpty, DomainParts.isIPv4(host) {
            self.init(subdomain: "", domain: host, suffix: "")
        } else {
            self.init(subdomain: start > 1 ? labels[..<(start - 1)].joined(separator: ".") : "",
                      domain: start > 0 ? String(labels[start - 1]) : "", suffix: suffix)
        }
    }

    /// The host as tldextract takes it: an optional `scheme:` and `//` dropped, cut at the first `/`, `?` or
    /// `#`, the part after the last `@`, cut at `:`, trimmed, trailing dots dropped.
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let slashes = rest.range(of: "//") {
            let scheme = rest[..<slashes.lowerBound]
            let schemeChars: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            if scheme.isEmpty || (scheme.last == ":" && scheme.dropLast().count > 0 && scheme.dropLast().allSatisfy(schemeChars)) {
                rest = rest[slashes.upperBound...]
            }
        }
        if let cut = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        var host = String(rest).trimmingPythonWhitespace()
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }

    /// Four dot-separated decimal octets 0-255 without leading zeros, the whole string.
    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p), v <= 255 else { return false }
            return p.count == 1 || p.first != "0"
        }
    }
}

extension String {
    /// `str.strip()` of Python: whitespace removed from both ends.
    func trimmingPythonWhitespace() -> String {
        let scalars = Array(unicodeScalars)
        let isSpace: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace || ("\u{1C}"..."\u{1F}").contains($0) }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
