import Foundation

/// Semantic versions (`MAJOR.MINOR.PATCH[-pre]`) for `--bump` and for picking the newest version.
public struct SemVer: Sendable, Comparable, CustomStringConvertible {
    public enum Part: String, Sendable, CaseIterable { case major, minor, patch }
    public var major: Int, minor: Int, patch: Int
    public var pre: String?

    public init?(_ text: String) {
        let (core, pre) = text.split(separator: "-", maxSplits: 1).map(String.init).splitFirst()
        let nums = core.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard nums.count == 3, let a = nums[0], let b = nums[1], let c = nums[2], a >= 0, b >= 0, c >= 0 else { return nil }
        (major, minor, patch, self.pre) = (a, b, c, pre)
    }

    public func bumped(_ part: Part) -> SemVer {
        var v = self
        v.pre = nil
        switch part {
        case .major: (v.major, v.minor, v.patch) = (major + 1, 0, 0)
        case .minor: (v.minor, v.patch) = (minor + 1, 0)
        case .patch: v.patch += 1
        }
        return v
    }

    /// The pre-release an experiment's bundle gets when `released` holds other content: the next patch
    /// with `exp.` and the first 8 hex digits of the content's digest (`0.7.0` -> `0.7.1-exp.3f2a9c1d`),
    /// so it sorts after the release and before the next one; a pre-release gets `.exp.<hex>` appended.
    public static func experiment(of released: String, content digest: String) -> String {
        let tag = "exp." + digest.prefix(8)
        guard var version = SemVer(released) else { return released + (released.contains("-") ? "." : "-") + tag }
        if let pre = version.pre {
            version.pre = pre + "." + tag
        } else {
            version.patch += 1
            version.pre = tag
        }
        return version.description
    }

    public var description: String { "\(major).\(minor).\(patch)" + (pre.map { "-" + $0 } ?? "") }

    public static func < (a: SemVer, b: SemVer) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        switch (a.pre, b.pre) {
        case (nil, nil), (nil, _?): return false
        case (_?, nil): return true
        case (let x?, let y?): return x < y
        }
    }

    /// Rewrites the top-level `version:` line of project.yaml text, keeping any comment.
    public static func rewrite(_ text: String, to version: String) -> String? {
        var lines = text.components(separatedBy: "\n")
        guard let i = lines.firstIndex(where: { $0.hasPrefix("version:") }) else { return nil }
        let rest = lines[i].dropFirst("version:".count)
        var comment = ""
        if let hash = rest.range(of: " #")?.lowerBound {
            var start = hash
            while start > rest.startIndex, rest[rest.index(before: start)] == " " { start = rest.index(before: start) }
            comment = String(rest[start...])
        }
        lines[i] = "version: " + version + comment
        return lines.joined(separator: "\n")
    }
}

private extension Array where Element == String {
    func splitFirst() -> (String, String?) { (self.first ?? "", count > 1 ? self[1] : nil) }
}
