import ProjectModel

/// One entry header as `TarStream` read it.
struct TarHeader: Sendable, Equatable {
    var name: String
    var size: Int64
    var mode: UInt32
    /// Offset of the header in the (decompressed) stream.
    var offset: Int64
}

/// A strict reader of the tar subset bundles use: ustar headers for regular files, optionally
/// preceded by a pax extended header carrying `path` or `size`, zero padding, two zero blocks at
/// the end and nothing but zeros after them.
///
/// Anything else (links, devices, fifos, directories, GNU extensions, bad checksums, non-UTF-8
/// names, non-zero padding, data after the end) is an error naming the entry, so a single flipped
/// byte anywhere in an archive is always caught: by a header checksum, a padding check, or the
/// SHA-256 of the data it lands in.
final class TarStream {
    private let source: ByteSource
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// Bytes of the decompressed stream consumed so far.
    private(set) var offset: Int64 = 0
    /// Upper bound on the decompressed bytes this stream may yield (a decompression-bomb guard).
    var limit: Int64
    private var pending: TarHeader?
    private var remaining: Int64 = 0

    static let block = 512
    /// Most bytes of zeros accepted after the end-of-archive marker (libarchive pads to 10 KiB).
    static let maxTrailer = 1 << 16
    static let maxPaxHeader = 1 << 16

    init(source: ByteSource, limit: Int64) {
        self.source = source
        self.limit = limit
        buffer = [UInt8](repeating: 0, count: 1 << 20)
    }

    /// The next entry's header, or nil after a well-formed end of archive.
    /// `after` names the previous entry for error messages.
    func next(after previous: String?) throws(BundleError) -> TarHeader? {
        precondition(remaining == 0, "read the previous entry's data first")
        var paxPath: String?
        var paxSize: Int64?
        while true {
            let headerOffset = offset
            guard try fill(TarStream.block) else {
                throw truncated(previous, "missing end-of-archive marker")
            }
            let block = Array(buffer[start..<start + TarStream.block])
            consume(TarStream.block)
            if block.allSatisfy({ $0 == 0 }) {
                guard paxPath == nil && paxSize == nil else { throw invalid(previous, "pax header followed by the end of the archive") }
                try readTrailer(previous)
                return nil
            }
            let where_ = paxPath ?? TarStream.name(block) ?? previous
            guard TarStream.checksumMatches(block) else {
                throw invalid(where_, "header checksum mismatch at offset \(headerOffset) (the archive is damaged)")
            }
            guard block[257..<262].elementsEqual("ustar".utf8) else {
                throw invalid(where_, "not a ustar header at offset \(headerOffset)")
            }
            guard let size = TarStream.octal(block[124..<136]) else {
                throw invalid(where_, "unreadable size field at offset \(headerOffset)")
            }
            let type = block[156]
            switch type {
            case UInt8(ascii: "x"):
                guard paxPath == nil && paxSize == nil else { throw invalid(where_, "two pax headers in a row") }
                guard size <= TarStream.maxPaxHeader else { throw invalid(where_, "pax header of \(size) bytes is too large") }
                let data = try readAll(size, entry: where_)
                (paxPath, paxSize) = try TarStream.pax(data, entry: where_)
                // A pax header's own data says nothing about the next entry's name until parsed.
                continue
            case UInt8(ascii: "0"), 0:
                let nameBytes = TarStream.rawName(block)
                let name: String
                if let paxPath {
                    name = paxPath
                    try TarStream.checkAgreement(ustarName: nameBytes, ustarSize: size, paxPath: paxPath, paxSize: paxSize)
                } else if let decoded = String(validating: nameBytes, as: UTF8.self) {
                    name = decoded
                } else {
                    throw invalid(TarStream.printable(nameBytes), "entry name is not valid UTF-8")
                }
                if paxPath == nil, let paxSize, paxSize != size, size <= TarStream.maxOctalSize {
                    throw invalid(name, "the pax header says \(paxSize) bytes but the tar header says \(size)")
                }
                let mode = UInt32(TarStream.octal(block[100..<108]) ?? 0)
                let header = TarHeader(name: name, size: paxSize ?? size, mode: mode, offset: headerOffset)
                guard header.size >= 0 else { throw invalid(name, "negative size") }
                guard offset + header.size <= limit else {
                    throw invalid(name, "entry of \(header.size) bytes exceeds the archive's size limit of \(limit) bytes")
                }
                remaining = header.size
                pending = header
                return header
            default:
                throw invalid(where_, "\(TarStream.typeName(type)) entries are not allowed in a bundle (only regular files)")
            }
        }
    }

    /// Streams the current entry's data to `sink` in chunks, then checks its padding.
    func readData(_ sink: (ArraySlice<UInt8>) throws(BundleError) -> Void) throws(BundleError) {
        guard let header = pending else { return }
        while remaining > 0 {
            if start == end {
                guard try fill(1) else { throw truncated(header.name, "data ends after \(header.size - remaining) of \(header.size) bytes") }
            }
            let n = Int(min(Int64(end - start), remaining))
            try sink(buffer[start..<start + n])
            consume(n)
            remaining -= Int64(n)
        }
        let padding = Int((TarStream.block - Int(header.size % Int64(TarStream.block))) % TarStream.block)
        if padding > 0 {
            guard try fill(padding) else { throw truncated(header.name, "padding is cut short") }
            guard buffer[start..<start + padding].allSatisfy({ $0 == 0 }) else {
                throw invalid(header.name, "non-zero bytes in the padding after the data (the archive is damaged)")
            }
            consume(padding)
        }
        pending = nil
    }

    /// The current entry's data, whole (for small entries).
    func readAll(_ size: Int64, entry: String?) throws(BundleError) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(Int(size))
        remaining = size
        pending = TarHeader(name: entry ?? "archive", size: size, mode: 0, offset: offset)
        try readData { chunk throws(BundleError) in data.append(contentsOf: chunk) }
        return data
    }

    // MARK: - Buffering

    /// Makes at least `count` bytes available at `start`; false when the stream ends first.
    private func fill(_ count: Int) throws(BundleError) -> Bool {
        if end - start >= count { return true }
        if start > 0 {
            buffer.replaceSubrange(0..<end - start, with: buffer[start..<end])
            end -= start
            start = 0
        }
        while end - start < count {
            let n = try source.read(into: &buffer, from: end)
            if n == 0 { return false }
            end += n
            if offset + Int64(end - start) > limit + Int64(TarStream.maxTrailer) {
                throw .invalid(entry: nil, reason: "the archive expands beyond \(limit) bytes (compression bomb?)")
            }
        }
        return true
    }

    private func consume(_ n: Int) {
        start += n
        offset += Int64(n)
    }

    private func readTrailer(_ previous: String?) throws(BundleError) {
        var zeros = 0
        while try fill(1) {
            let chunk = buffer[start..<end]
            guard chunk.allSatisfy({ $0 == 0 }) else {
                throw invalid(previous, "data after the end-of-archive marker at offset \(offset) (the archive is damaged)")
            }
            zeros += chunk.count
            consume(chunk.count)
            guard zeros <= TarStream.maxTrailer else { throw invalid(previous, "more than \(TarStream.maxTrailer) bytes after the end-of-archive marker") }
        }
        guard zeros >= TarStream.block, zeros % TarStream.block == 0 else {
            throw truncated(previous, "end-of-archive marker is cut short")
        }
    }

    // MARK: - Header fields

    /// The largest size a ustar header's 11 octal digits can hold; beyond it only pax can carry a size.
    static let maxOctalSize: Int64 = (1 << 33) - 1

    /// A pax record overrides the ustar header only where the header cannot say the same: other readers
    /// (GNU tar, Python's tarfile in some modes) may use the header's name, so it must be safe as well, and
    /// equal to the pax path when that path is short ASCII; the two sizes must agree when the header can hold it.
    static func checkAgreement(ustarName: [UInt8], ustarSize: Int64, paxPath: String, paxSize: Int64?) throws(BundleError) {
        let ustar = String(decoding: ustarName, as: UTF8.self)
        if let problem = Paths.problem(ustar) {
            throw .invalid(entry: paxPath, reason: "its tar header names it '\(printable(ustarName))', which is unsafe: \(problem)")
        }
        let fits = paxPath.utf8.count <= 100 && paxPath.utf8.allSatisfy { $0 < 0x80 }
        if fits && !Paths.same(ustar, paxPath) {
            throw .invalid(entry: paxPath, reason: "the pax header and the tar header disagree on the name ('\(printable(ustarName))')")
        }
        if let paxSize, paxSize != ustarSize, paxSize <= maxOctalSize {
            throw .invalid(entry: paxPath, reason: "the pax header says \(paxSize) bytes but the tar header says \(ustarSize)")
        }
    }

    static func rawName(_ block: [UInt8]) -> [UInt8] {
        let name = cString(block[0..<100])
        let prefix = cString(block[345..<500])
        return prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
    }

    static func name(_ block: [UInt8]) -> String? {
        String(validating: rawName(block), as: UTF8.self)
    }

    static func cString(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        Array(bytes.prefix { $0 != 0 })
    }

    /// An octal numeric field (NUL/space terminated); nil when malformed or base-256.
    static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if digits > 0 { break } else { continue }
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
            if digits > 21 { return nil }
        }
        return value
    }

    /// The checksum field must read exactly as tar writers write it (six octal digits, NUL, space),
    /// since it is the one field the checksum itself does not cover.
    static func checksumMatches(_ block: [UInt8]) -> Bool {
        guard block[154] == 0, block[155] == UInt8(ascii: " "),
              block[148..<154].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }),
              let recorded = octal(block[148..<154]) else { return false }
        var sum: Int64 = 0
        for (i, byte) in block.enumerated() {
            sum += (148..<156).contains(i) ? 32 : Int64(byte)
        }
        return sum == recorded
    }

    /// Parses pax records (`<len> key=value\n`); only `path` and `size` carry meaning here.
    static func pax(_ data: [UInt8], entry: String?) throws(BundleError) -> (String?, Int64?) {
        var path: String?
        var size: Int64?
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  length > space - i + 1, i + length <= data.count, data[i + length - 1] == UInt8(ascii: "\n"),
                  let equals = data[(space + 1)..<(i + length)].firstIndex(of: UInt8(ascii: "=")) else {
                throw .invalid(entry: entry, reason: "malformed pax header record")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            let value = Array(data[(equals + 1)..<(i + length - 1)])
            switch key {
            case "path":
                guard let s = String(validating: value, as: UTF8.self) else {
                    throw .invalid(entry: printable(value), reason: "entry name is not valid UTF-8")
                }
                path = s
            case "size":
                guard let n = Int64(String(decoding: value, as: UTF8.self)), n >= 0 else {
                    throw .invalid(entry: entry, reason: "malformed pax size")
                }
                size = n
            case "linkpath":
                throw .invalid(entry: path ?? entry, reason: "link entries are not allowed in a bundle (only regular files)")
            default:
                // Bundles carry names and sizes only; any other record (sparse maps, charsets,
                // times, owners) is refused rather than silently ignored.
                throw .invalid(entry: path ?? entry, reason: "unsupported pax record '\(TarStream.printable(Array(key.utf8)))' (bundles use only path and size)")
            }
            i += length
        }
        return (path, size)
    }

    static func typeName(_ type: UInt8) -> String {
        switch type {
        case UInt8(ascii: "1"): return "hard link"
        case UInt8(ascii: "2"): return "symbolic link"
        case UInt8(ascii: "3"): return "character device"
        case UInt8(ascii: "4"): return "block device"
        case UInt8(ascii: "5"): return "directory"
        case UInt8(ascii: "6"): return "fifo"
        case UInt8(ascii: "7"): return "contiguous file"
        case UInt8(ascii: "g"): return "pax global header"
        case UInt8(ascii: "L"), UInt8(ascii: "K"): return "GNU long name"
        case UInt8(ascii: "S"): return "GNU sparse"
        default: return "type '\(String(decoding: [type], as: UTF8.self))'"
        }
    }

    /// A name with bytes that are not UTF-8 shown as `\xNN`.
    static func printable(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F { out.append(Character(UnicodeScalar(b))) } else { out += "\\x" + String(b, radix: 16) }
        }
        return out
    }

    private func invalid(_ entry: String?, _ reason: String) -> BundleError {
        .invalid(entry: entry, reason: reason)
    }

    private func truncated(_ entry: String?, _ reason: String) -> BundleError {
        .invalid(entry: entry, reason: "truncated archive: \(reason)")
    }
}
