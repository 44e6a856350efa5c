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
        if suffix.isEmpty, !host.isEmpty, DomainParts.isIPv4(host.utf8) {
            self.init(subdomain: "", domain: host, suffix: "")
        } else {
            self.init(subdomain: start > 1 ? labels[..<(start - 1)].joined(separator: ".") : "",
                      domain: start > 0 ? String(labels[start - 1]) : "", suffix: suffix)
        }
    }

    /// The host as tldextract takes it: an optional `scheme:` and `//` dropped, cut at the first `/`, `?` or
    /// `#`, the part after the last `@`, cut at `:`, trimmed, trailing dots dropped.
    static func host(of url: String) -> String {
        if let host = url.utf8.withContiguousStorageIfAvailable(asciiHost), let host { return host }
        return characterHost(of: url)
    }

    /// `host(of:)` by Characters, for any URL.
    static func characterHost(of url: String) -> String {
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

    /// `host(of:)` of a URL in ASCII without a carriage return, byte by byte: there every Character is one
    /// byte ("\r\n" is the one ASCII pair that makes a single Character), so the two agree; nil otherwise.
    static func asciiHost(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        guard ASCIIURLFeatures.isPlainASCII(b) else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: b[asciiHostRange(b)]), as: UTF8.self)
    }

    /// Where `asciiHost` finds the host in `b`, which must be ASCII without a carriage return.
    static func asciiHostRange(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        func isSchemeByte(_ c: UInt8) -> Bool {
            (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2D || c == 0x2E
        }
        // Python's str.strip() whitespace, in ASCII.
        func isSpace(_ c: UInt8) -> Bool { (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) }
        var lo = 0, hi = b.count
        if let p = (0..<max(0, b.count - 1)).first(where: { b[$0] == 0x2F && b[$0 + 1] == 0x2F }),
           p == 0 || (b[p - 1] == 0x3A && p - 1 > 0 && (0..<(p - 1)).allSatisfy { isSchemeByte(b[$0]) }) {
            lo = p + 2
        }
        if let cut = (lo..<hi).first(where: { b[$0] == 0x2F || b[$0] == 0x3F || b[$0] == 0x23 }) { hi = cut }
        if let at = (lo..<hi).last(where: { b[$0] == 0x40 }) { lo = at + 1 }
        if let colon = (lo..<hi).first(where: { b[$0] == 0x3A }) { hi = colon }
        while lo < hi, isSpace(b[lo]) { lo += 1 }
        while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
        while hi > lo, b[hi - 1] == 0x2E { hi -= 1 }
        return lo..<hi
    }

    /// Four dot-separated decimal octets 0-255 without leading zeros, the whole of the UTF-8 `s`.
    static func isIPv4<S: Collection<UInt8>>(_ s: S) -> Bool {
        let parts = s.split(separator: 0x2E, omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            guard (1...3).contains(p.count), p.allSatisfy({ $0 &- 0x30 < 10 }) else { return false }
            return p.reduce(0) { $0 * 10 + Int($1 - 0x30) } <= 255 && (p.count == 1 || p.first != 0x30)
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
