import Fingerprint
import Foundation

/// Small objects travel in packs: `packs/<sha256>.pack` holds their bytes one after another and
/// `packs/<sha256>.idx` says where each one is (the name is the SHA-256 of the pack's bytes). The index is
/// written after the pack, so a pack that is not indexed yet (a push killed between the two) is never read.
///
/// Index text: a head line, then one line per object in name order:
///
///     proj-pack 1 <pack sha256> <pack size>
///     <object name>\t<offset>\t<size>
public struct PackIndex: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The object's name: its SHA-256, with `.dir` for a directory's listing.
        public var name: String
        public var offset: Int64
        public var size: Int64

        public init(name: String, offset: Int64, size: Int64) {
            self.name = name
            self.offset = offset
            self.size = size
        }
    }

    public var pack: String
    public var size: Int64
    public var entries: [Entry]

    public init(pack: String, size: Int64, entries: [Entry]) {
        self.pack = pack
        self.size = size
        self.entries = entries
    }

    public static func packKey(_ sha256: String) -> String { "packs/\(sha256).pack" }
    public static func indexKey(_ sha256: String) -> String { "packs/\(sha256).idx" }

    public var text: String {
        var out = "proj-pack 1 \(pack) \(size)\n"
        for e in entries.sorted(by: { $0.name < $1.name }) { out += "\(e.name)\t\(e.offset)\t\(e.size)\n" }
        return out
    }

    /// Reads an index fetched as `packs/<pack>.idx`; anything malformed, unsafe or out of the pack's bounds
    /// is refused (`what` names it).
    public static func parse(_ data: Data, pack: String, what: String) throws(RemoteError) -> PackIndex {
        func damaged(_ why: String) -> RemoteError { .corrupt("\(what) is damaged: \(why)") }
        guard let text = String(validating: data, as: UTF8.self) else { throw damaged("not UTF-8 text") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let head = lines.first?.split(separator: " ") ?? []
        guard head.count == 4, head[0] == "proj-pack", head[1] == "1", head[2] == pack, let size = Int64(head[3]), size >= 0 else {
            throw damaged("its first line is not `proj-pack 1 \(pack.prefix(12))… SIZE`")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(lines.count - 1)
        for (number, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, isObjectName(f[0]), let offset = Int64(f[1]), let length = Int64(f[2]), offset >= 0, length >= 0,
                  offset <= size, length <= size - offset else {
                throw damaged("line \(number + 2) is not `NAME\tOFFSET\tSIZE` inside the pack")
            }
            entries.append(Entry(name: String(f[0]), offset: offset, size: length))
        }
        return PackIndex(pack: pack, size: size, entries: entries)
    }

    /// Whether `name` is an object name: 64 lower-case hex digits, optionally `.dir`.
    public static func isObjectName<S: StringProtocol>(_ name: S) -> Bool {
        Hex.isSHA256(name.utf8.count == 68 && name.hasSuffix(".dir") ? name.prefix(64) : name[...])
    }
}
