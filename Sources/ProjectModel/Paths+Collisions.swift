import Foundation

extension Paths {
    /// The first reason a set of relative file names would not extract to the same tree on every machine,
    /// or nil: a name listed both as a file and as the directory of another, or two names (or their
    /// directories) that differ only in case, Unicode normalisation or trailing dots and spaces, which a
    /// case-insensitive or normalising file system (macOS, Windows) would write to one place. Linear in the
    /// total length; names that are ASCII are folded without Foundation.
    public static func collision(in names: some Sequence<String>) -> (name: String, reason: String)? {
        var files: [String: String] = [:]  // folded name -> name as listed
        var directories: [String: String] = [:]
        var listed: [(name: String, folded: String)] = []
        for name in names {
            let folded = fold(name)
            listed.append((name, folded))
            if let other = files[folded], !same(other, name) {
                return (name, "differs from '\(printable(other))' only in case, Unicode normalisation or trailing dots and spaces; both would be written to one file on some file systems")
            }
            files[folded] = name
            // Folding works component by component, so a directory's key is a prefix of its file's key.
            let parts = components(name), foldedParts = components(folded)
            guard parts.count == foldedParts.count else { continue }
            var prefix = "", key = ""
            for (part, foldedPart) in zip(parts, foldedParts).dropLast() {
                prefix += prefix.isEmpty ? String(part) : "/" + part
                key += key.isEmpty ? String(foldedPart) : "/" + foldedPart
                if let other = directories[key] {
                    if !same(other, prefix) {
                        return (name, "its directory '\(printable(prefix))' differs from '\(printable(other))' only in case, Unicode normalisation or trailing dots and spaces")
                    }
                } else {
                    directories[key] = prefix
                }
            }
        }
        for (name, folded) in listed {
            guard let directory = directories[folded] else { continue }
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
        let folded: String
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            folded = String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        } else {
            folded = name.decomposedStringWithCanonicalMapping.folding(options: [.caseInsensitive], locale: nil)
        }
        guard folded.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: " ") }) else { return folded }
        return components(folded, omittingEmpty: false).map { part in
            var part = part
            while let last = part.utf8.last, last == UInt8(ascii: ".") || last == UInt8(ascii: " "), part.utf8.count > 1 { part = part.dropLast() }
            return String(part)
        }.joined(separator: "/")
    }
}
