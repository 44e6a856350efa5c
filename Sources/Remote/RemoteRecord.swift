import Crypto
import Fingerprint
import Foundation
import Synchronization

/// What this machine knows a remote holds, under `.proj/remotes/<id>/` (the id is derived from the
/// store's identity, server and bucket and prefix, so a remote pointed elsewhere starts afresh): copies of the pack indexes
/// it has seen (immutable, like the packs) and `loose`, the names of single objects seen there or sent.
/// It only saves requests: a push asks the remote about what it does not know, and `--rescan` forgets it.
public final class RemoteRecord: Sendable {
    public let directory: String
    private let loose: Mutex<Set<String>>

    public init(projectRoot: String, location identity: String) {
        let id = Hex.encode(SHA256.hash(data: Data(identity.utf8))).prefix(16)
        directory = projectRoot + "/.proj/remotes/" + id
        var names = Set<String>()
        if let text = try? String(contentsOfFile: directory + "/loose", encoding: .utf8) {
            for line in text.split(separator: "\n") where PackIndex.isObjectName(line) { names.insert(String(line)) }
        }
        loose = Mutex(names)
    }

    /// Forgets everything known about the remote.
    public func forget() {
        FileSystem.removeTree(directory)
        loose.withLock { $0.removeAll() }
    }

    public func knowsLoose(_ name: String) -> Bool { loose.withLock { $0.contains(name) } }

    /// Notes single objects as present on the remote (appended: a killed process loses at most its last lines,
    /// and a torn line is skipped when read).
    public func noteLoose(_ names: [String]) {
        let fresh = loose.withLock { known in names.filter { known.insert($0).inserted } }
        guard !fresh.isEmpty, (try? FileSystem.makeDirectories(directory)) != nil else { return }
        let fd = open(directory + "/loose", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = FileSystem.writeAll(fd, Array(fresh.map { $0 + "\n" }.joined().utf8)[...])
        close(fd)
    }

    /// Forgets single objects found missing on the remote.
    public func dropLoose(_ names: Set<String>) {
        let rest = loose.withLock { known -> [String] in
            known.subtract(names)
            return known.sorted()
        }
        try? AtomicFile.write(rest.map { $0 + "\n" }.joined(), to: directory + "/loose")
    }

    /// The pack indexes copied earlier, by pack.
    public func packIndexes() -> [String: PackIndex] {
        var out: [String: PackIndex] = [:]
        for name in FileSystem.list(directory + "/packs") where name.hasSuffix(".idx") {
            let pack = String(name.dropLast(4))
            guard let data = FileManager.default.contents(atPath: directory + "/packs/" + name),
                  let index = try? PackIndex.parse(data, pack: pack, what: name) else { continue }
            out[pack] = index
        }
        return out
    }

    public func savePackIndex(_ index: PackIndex) {
        try? AtomicFile.write(index.text, to: directory + "/packs/" + index.pack + ".idx")
    }

    public func dropPackIndex(_ pack: String) {
        unlink(directory + "/packs/" + pack + ".idx")
    }
}
