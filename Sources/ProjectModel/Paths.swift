/// Root-relative path arithmetic for paths written in project.yaml.
public enum Paths {
    /// Joins `path` onto `wdir` and normalises `.` and `..`; nil when it is absolute or leaves the project.
    public static func normalize(_ path: String, wdir: String = "") -> String? {
        if path.hasPrefix("/") { return nil }
        var parts: [Substring] = []
        let joined = wdir.isEmpty ? path : wdir + "/" + path
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// Whether `path` is `ancestor` or lies inside it.
    public static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        ancestor.isEmpty || path == ancestor || path.hasPrefix(ancestor + "/")
    }

    /// Whether one of the two paths is or contains the other.
    public static func overlap(_ a: String, _ b: String) -> Bool {
        isWithin(a, b) || isWithin(b, a)
    }
}
