/// Root-relative path arithmetic and the one safety check for every name that becomes a path: paths in
/// project.yaml and lock files, bundle entry names, manifest keys, store index files, cached directory
/// listings.
///
/// Everything here works on UTF-8 bytes, never on `Character`s: a `/` followed by a combining mark or a
/// zero-width joiner is one grapheme cluster, so splitting or comparing as Swift strings would not see
/// the `/` (or the `..`) that `open()` sees. Swift's `==` on strings also equates canonically equivalent
/// spellings that are different names to the file system.
public enum Paths {
    /// The components of `path`, split at every `/` byte (a `/` is always a whole scalar in UTF-8).
    public static func components(_ path: String, omittingEmpty: Bool = true) -> [Substring] {
        path.utf8.split(separator: slash, omittingEmptySubsequences: omittingEmpty).map { Substring($0) }
    }

    /// Joins `path` onto `wdir` and normalises `.` and `..`; nil when it is absolute or leaves the project.
    public static func normalize(_ path: String, wdir: String = "") -> String? {
        if path.utf8.first == slash { return nil }
        var parts: [Substring] = []
        let joined = wdir.isEmpty ? path : wdir + "/" + path
        for part in components(joined) {
            if isDot(part) { continue }
            if isDotDot(part) {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// Why `name` is not a safe relative path that stays inside the directory it is joined to, or nil
    /// when it is: relative, normalised (no empty, `.` or `..` component), no backslash, no control
    /// character, no component over 255 bytes and at most 1024 bytes in all.
    public static func problem(_ name: String) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "empty name" }
        if bytes.count > 1024 { return "name longer than 1024 bytes" }
        if bytes.first == slash { return "absolute path" }
        if bytes.contains(UInt8(ascii: "\\")) { return "backslash in the name" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "control character in the name" }
        for part in components(name, omittingEmpty: false) {
            if isDotDot(part) { return "path escapes its directory ('..')" }
            if part.utf8.isEmpty || isDot(part) { return "path is not normalised ('\(name)')" }
            if part.utf8.count > 255 { return "path component longer than 255 bytes" }
        }
        return nil
    }

    /// Whether `path` is `ancestor` or lies inside it, compared as bytes.
    public static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        if ancestor.isEmpty { return true }
        let p = path.utf8, a = ancestor.utf8
        guard p.starts(with: a) else { return false }
        return p.count == a.count || p[p.index(p.startIndex, offsetBy: a.count)] == slash
    }

    /// Whether one of the two paths is or contains the other.
    public static func overlap(_ a: String, _ b: String) -> Bool {
        isWithin(a, b) || isWithin(b, a)
    }

    /// Whether two names are the same bytes (Swift's `==` equates canonically equivalent strings).
    public static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    static let slash = UInt8(ascii: "/")

    private static func isDot(_ part: Substring) -> Bool { part.utf8.elementsEqual(".".utf8) }
    private static func isDotDot(_ part: Substring) -> Bool { part.utf8.elementsEqual("..".utf8) }
}
