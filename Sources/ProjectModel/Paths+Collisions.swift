import Foundation

extension Paths {
    /// The first reason a set of relative file names would not extract to the same tree on every machine,
    /// or nil: a name listed both as a file and as the directory of another, or two names (or their
    /// directories) that differ only in case or in Unicode normalisation, which a case-insensitive or
    /// normalising file system (macOS, Windows) would write to one place. Linear in the total length.
    public static func collision(in names: some Sequence<String>) -> (name: String, reason: String)? {
        var files: [String: String] = [:]  // folded name -> name as listed
        var directories: [String: String] = [:]
        var listed: [String] = []
        for name in names {
            listed.append(name)
            let folded = fold(name)
            if let other = files[folded], !same(other, name) {
                return (name, "differs from '\(printable(other))' only in case, Unicode normalisation or trailing dots and spaces; both would be written to one file on some file systems")
            }
            files[folded] = name
            let parts = components(name)
            var prefix = ""
            for part in parts.dropLast() {
                prefix += prefix.isEmpty ? String(part) : "/" + part
                let key = fold(prefix)
                if let other = directories[key] {
                    if !same(other, prefix) {
                        return (name, "its directory '\(printable(prefix))' differs from '\(printable(other))' only in case, Unicode normalisation or trailing dots and spaces")
                    }
                } else {
                    directories[key] = prefix
                }
            }
        }
        for name in listed {
            guard let directory = directories[fold(name)] else { continue }
            let child = files.values.filter { isWithin($0, directory) && !same($0, directory) }.min { $0.utf8.lexicographicallyPrecedes($1.utf8) } ?? directory
            return same(directory, name)
                ? (name, "listed both as a file and as the directory of '\(printable(child))'")
                : (name, "is a file while '\(printable(directory))' is the directory of '\(printable(child))'; they differ only in case, Unicode normalisation or trailing dots and spaces")
        }
        return nil
    }

    /// The key under which case-insensitive, normalising file systems store a name: full case folding, and
    /// each component without the trailing dots and spaces Windows drops; Swift's string hashing then equates
    /// canonically equivalent spellings.
    static func fold(_ name: String) -> String {
        let folded = name.decomposedStringWithCanonicalMapping.folding(options: [.caseInsensitive], locale: nil)
        return components(folded, omittingEmpty: false).map { part in
            var part = part
            while let last = part.utf8.last, last == UInt8(ascii: ".") || last == UInt8(ascii: " "), part.utf8.count > 1 { part = part.dropLast() }
            return String(part)
        }.joined(separator: "/")
    }
}
