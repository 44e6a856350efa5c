/// Names of entries inside a bundle: relative, normalised, and unable to escape a directory.
enum EntryPath {
    /// Why `name` is not a safe entry name, or nil when it is.
    static func problem(_ name: String) -> String? {
        if name.isEmpty { return "empty entry name" }
        if name.utf8.count > 1024 { return "entry name longer than 1024 bytes" }
        if name.hasPrefix("/") { return "absolute path" }
        if name.contains("\\") { return "backslash in entry name" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "control character in entry name" }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { return "path escapes the bundle ('..')" }
            if part == "." || part.isEmpty { return "path is not normalised ('\(name)')" }
            if part.utf8.count > 255 { return "path component longer than 255 bytes" }
        }
        return nil
    }
}
