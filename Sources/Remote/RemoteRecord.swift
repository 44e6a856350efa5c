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
    /// The single objects known to be there, read from `loose` on first use (a repro that never asks the
    /// remote never reads it).
    private let loose = Mutex<Set<String>?>(nil)

    public init(projectRoot: String, identity: String) {
        let id = Hex.encode(SHA256.hash(data: Data(identity.utf8))).prefix(16)
        directory = projectRoot + "/.proj/remotes/" + id
    }

    private func withLoose<T>(_ body: (inout Set<String>) -> T) -> T {
        loose.withLock { cached in
            var names = cached ?? RemoteRecord.read(directory + "/loose")
            defer { cached = names }
            return body(&names)
        }
    }

    private static func read(_ file: String) -> Set<String> {
        var names = Set<String>()
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            for line in text.split(separator: "\n") where PackIndex.isObjectName(line) { names.insert(String(line)) }
        }
        return names
    }

    /// Forgets which single objects are there, so they are asked about again. The pack indexes stay: packs
    /// never change under their names, and which packs are there is listed every time.
    public func forget() {
        unlink(directory + "/loose")
        loose.withLock { $0 = [] }
    }

    public func knowsLoose(_ name: String) -> Bool { withLoose { $0.contains(name) } }

    /// Notes single objects as present on the remote (appended: a killed process loses at most its last lines,
    /// and a torn line is skipped when read).
    public func noteLoose(_ names: [String]) {
        let fresh = withLoose { known in names.filter { known.insert($0).inserted } }
        guard !fresh.isEmpty, (try? FileSystem.makeDirectories(directory)) != nil else { return }
        let fd = open(directory + "/loose", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = FileSystem.writeAll(fd, Array(fresh.map { $0 + "\n" }.joined().utf8)[...])
        close(fd)
    }

    /// Forgets single objects found missing on the remote.
    public func dropLoose(_ names: Set<String>) {
        let rest = withLoose { known -> [String] in
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
