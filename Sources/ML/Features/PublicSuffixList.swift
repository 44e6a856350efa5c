import Foundation

/// The Public Suffix List (publicsuffix.org, `public_suffix_list.dat`): which trailing labels of a host name
/// are a public suffix (`com`, `co.uk`, `*.ck` but `!www.ck`), so the label before it is the registered
/// domain. Only the ICANN section is read, as the phishing dataset's tooling (tldextract's default) did.
/// A model that uses it keeps the list's bytes beside it, so its features do not change with the machine.
public struct PublicSuffixList: Sendable, Equatable {
    /// Rules as written: `co.uk`, `*.ck`, `!www.ck`.
    let rules: Set<String>
    /// The exception rules without their `!` and the wildcard rules without their `*.`, so a lookup needs
    /// no string built for it.
    let exceptions: Set<String>, wildcards: Set<String>
    /// The most labels in a rule: no longer tail of a host name can match one.
    let longestRule: Int
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
        exceptions = Set(rules.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) })
        wildcards = Set(rules.filter { $0.hasPrefix("*.") }.map { String($0.dropFirst(2)) })
        self.longestRule = rules.map { $0.split(separator: ".", omittingEmptySubsequences: false).count }.max() ?? 0
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
    /// Only the last `longestRule` labels are tried, so a host of many labels costs no more than a short one.
    func suffixStart(_ labels: [Substring]) -> Int {
        for i in max(0, labels.count - longestRule)..<labels.count {
            let candidate = labels[i...].joined(separator: ".")
            if exceptions.contains(candidate) { return i + 1 }
            if rules.contains(candidate) { return i }
            if wildcards.contains(labels[(i + 1)...].joined(separator: ".")) { return i }
        }
        return labels.count
    }
}
