import Foundation
import Synchronization

/// Remembers (path, inode, size, mtime_ns) -> sha256 in `.proj/state`, so an unchanged file is never re-read.
public final class StatCache: Sendable {
    /// One remembered file.
    public struct Entry: Sendable, Hashable {
        public var inode: UInt64
        public var size: Int64
        public var mtimeNs: Int64
        public var sha256: String
    }

    static let header = "proj-state 1"
    /// Files modified this recently are not remembered: a write in the same clock tick
    /// could change them without changing their stat.
    static let racyWindowNs: Int64 = 1_000_000_000

    private let path: String?
    private let state: Mutex<(entries: [String: Entry], dirty: Bool)>

    /// Loads the cache at `path` (nil for an in-memory cache); a missing or unreadable file starts empty.
    public init(path: String?) {
        self.path = path
        var entries: [String: Entry] = [:]
        if let path, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            entries = StatCache.parse(text)
        }
        state = Mutex((entries, false))
    }

    static func parse(_ text: String) -> [String: Entry] {
        var entries: [String: Entry] = [:]
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(header) else { return [:] }
        lines.removeFirst()
        for line in lines {
            let f = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            guard f.count == 5, let inode = UInt64(f[0]), let size = Int64(f[1]), let mtime = Int64(f[2]), f[3].utf8.count == 64 else { continue }
            entries[String(f[4])] = Entry(inode: inode, size: size, mtimeNs: mtime, sha256: String(f[3]))
        }
        return entries
    }

    /// The remembered digest for `key` when its stat still matches.
    public func lookup(_ key: String, stat: FileStat) -> String? {
        state.withLock { s in
            guard let e = s.entries[key], e.inode == stat.inode, e.size == stat.size, e.mtimeNs == stat.mtimeNs else { return nil }
            return e.sha256
        }
    }

    /// Records a digest computed for `key` with `stat` (skipped when the file changed within the racy window).
    public func record(_ key: String, stat: FileStat, sha256: String, now: Int64 = StatCache.nowNs()) {
        guard now - stat.mtimeNs >= StatCache.racyWindowNs else { return }
        let entry = Entry(inode: stat.inode, size: stat.size, mtimeNs: stat.mtimeNs, sha256: sha256)
        state.withLock { s in
            if s.entries[key] != entry {
                s.entries[key] = entry
                s.dirty = true
            }
        }
    }

    /// Writes the cache back atomically when anything was recorded.
    public func save() throws(FingerprintError) {
        guard let path else { return }
        let text: String? = state.withLock { s in
            guard s.dirty else { return nil }
            s.dirty = false
            var out = StatCache.header + "\n"
            for (key, e) in s.entries.sorted(by: { $0.key < $1.key }) {
                out += "\(e.inode) \(e.size) \(e.mtimeNs) \(e.sha256) \(key)\n"
            }
            return out
        }
        if let text { try AtomicFile.write(text, to: path) }
    }

    /// Number of remembered files.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Wall-clock time in nanoseconds.
    public static func nowNs() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
}
