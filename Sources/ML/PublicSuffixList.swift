import Foundation

/// The Public Suffix List (publicsuffix.org, `public_suffix_list.dat`): which trailing labels of a host name
/// are a public suffix (`com`, `co.uk`, `*.ck` but `!www.ck`), so the label before it is the registered
/// domain. Only the ICANN section is read, as the phishing dataset's tooling (tldextract's default) did.
/// A model that uses it keeps the list's bytes beside it, so its features do not change with the machine.
public struct PublicSuffixList: Sendable, Equatable {
    /// Rules as written: `co.uk`, `*.ck`, `!www.ck`.
    let rules: Set<String>
    /// The file as given, kept with the model.
    public let bytes: [UInt8]

    public static let fileName = "public_suffix_list.dat"

    /// Parses the list; `name` is used in errors.
    public init(_ bytes: [UInt8], name: String) throws(MLError) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw MLError("\(name) is not UTF-8 text") }
        var rules = Set<String>()
        let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        for line in bytes.split(separator: 0x0A) {
            if line.starts(with: Array("// ===END ICANN DOMAINS===".utf8)) || line.starts(with: Array("// ===BEGIN PRIVATE DOMAINS===".utf8)) { break }
            guard let start = line.firstIndex(where: { !space($0) }) else { continue }
            let rule = line[start...].prefix { !space($0) }
            if rule.starts(with: [0x2F, 0x2F]) { continue }
            let text = String(decoding: rule, as: UTF8.self)
            rules.insert(rule.allSatisfy { $0 < 0x80 && !(0x41...0x5A).contains($0) } ? text : text.lowercased())
        }
        guard rules.count >= 100, rules.contains("com") else {
            throw MLError("\(name) holds \(rules.count) suffix rules and no 'com': not a Public Suffix List (publicsuffix.org's public_suffix_list.dat)")
        }
        self.rules = rules
        self.bytes = bytes
    }

    /// Reads and parses the list at `path`.
    public static func read(_ path: String) throws(MLError) -> PublicSuffixList {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MLError("cannot read the suffix list \(path) (Debian's publicsuffix package installs /usr/share/publicsuffix/public_suffix_list.dat)")
        }
        return try PublicSuffixList(Array(data), name: path)
    }

    public static func == (a: PublicSuffixList, b: PublicSuffixList) -> Bool { a.bytes == b.bytes }

    /// The index of the first label of the public suffix in `labels` (lower-cased), or `labels.count` when no
    /// rule matches. The longest match wins; an exception rule (`!`) ends the suffix one label further right.
    func suffixStart(_ labels: [Substring]) -> Int {
        for i in labels.indices {
            let candidate = labels[i...].joined(separator: ".")
            if rules.contains("!" + candidate) { return i + 1 }
            if rules.contains(candidate) { return i }
            if rules.contains("*." + labels[(i + 1)...].joined(separator: ".")) { return i }
        }
        return labels.count
    }
}

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
