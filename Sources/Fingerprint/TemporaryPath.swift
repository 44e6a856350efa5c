import Glibc

/// Names of the temporary files and directories proj writes beside their targets, and the removal of
/// those whose owner is gone.
///
/// Every temporary name is `.<name>.proj-tmp-<pid>-<random>`: hidden, unpredictable (64 random bits),
/// and naming the process that made it, so the next proj that holds the project lock can tell an
/// abandoned one (its owner was killed) from one still being written.
public enum TemporaryPath {
    static let marker = ".proj-tmp-"

    /// A fresh temporary path in the directory of `target`, for a file that will be renamed onto it.
    public static func beside(_ target: String) -> String {
        let (dir, name) = split(target)
        return dir + "/" + prefix(for: name) + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// The part of a temporary name before its random suffix (for mkdtemp's template).
    static func prefix(for name: String) -> String {
        ".\(name)\(marker)\(getpid())-"
    }

    /// The pid that made the temporary `name` (a last path component: `.<name>.proj-tmp-<pid>-<random>`), or
    /// nil when it is not one.
    public static func owner(of name: String) -> Int32? {
        let bytes = Array(name.utf8), mark = Array(marker.utf8)
        guard bytes.first == UInt8(ascii: "."), bytes.count > mark.count + 2 else { return nil }
        var i = 1
        while i + mark.count <= bytes.count {
            if bytes[i..<i + mark.count].elementsEqual(mark) {
                let digits = bytes[(i + mark.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
                let after = i + mark.count + digits.count
                guard !digits.isEmpty, digits.count <= 9, after < bytes.count, bytes[after] == UInt8(ascii: "-") else { return nil }
                return Int32(String(decoding: digits, as: UTF8.self))
            }
            i += 1
        }
        return nil
    }

    /// Whether process `pid` exists.
    public static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Removes every temporary file or directory under `root` whose owner is no longer running, skipping
    /// the top-level directories `skip` accepts (such as `.git`); returns what was removed, relative to
    /// `root`. Symlinks are never followed.
    @discardableResult
    public static func removeAbandoned(under root: String, skip: (String) -> Bool = { $0 == ".git" }) -> [String] {
        var removed: [String] = []
        var pending = [""]
        while let rel = pending.popLast() {
            let dir = rel.isEmpty ? root : root + "/" + rel
            for name in FileSystem.list(dir) {
                let child = rel.isEmpty ? name : rel + "/" + name
                if let pid = owner(of: name) {
                    if pid != getpid() && !isAlive(pid) {
                        FileSystem.removeTree(root + "/" + child)
                        removed.append(child)
                    }
                    continue
                }
                if !(rel.isEmpty && skip(name)), FileSystem.lstatIsDirectory(root + "/" + child) { pending.append(child) }
            }
        }
        return removed.sorted()
    }

    /// Removes the temporary files and directories made for `target` (beside it) by processes no longer
    /// running: what a killed `extract`, `pull` or `predict` left, which no project lock covers.
    public static func removeAbandoned(beside target: String) {
        let (dir, name) = split(target)
        let start = "." + name + marker
        for entry in FileSystem.list(dir) where entry.utf8.starts(with: start.utf8) {
            if let pid = owner(of: entry), pid != getpid(), !isAlive(pid) { FileSystem.removeTree(dir + "/" + entry) }
        }
    }

    /// The directory and last component of `path`, split at its last `/` byte.
    public static func split(_ path: String) -> (String, String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}
