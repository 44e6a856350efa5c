import Fingerprint
import Glibc

/// The bytes of a bundle file, decompressed when it is gzip or zstd (told by the first bytes).
///
/// A compressed bundle holds exactly one stream: one gzip member or one zstd frame, and nothing after it
/// (no trailing bytes, no second member or frame, no skippable frame). The tar structure itself is
/// parsed by `TarStream`, strictly, in Swift.
final class ByteSource {
    let path: String
    /// "none", "gzip" or "zstd".
    let compression: String
    private let fd: Int32
    private let decoder: Decompressor?
    private var input = [UInt8](repeating: 0, count: 1 << 20)
    private var inStart = 0
    private var inEnd = 0
    private var fileEnded = false
    private var streamEnded = false

    /// Opens `path`.
    init(path: String) throws(BundleError) {
        switch FileSystem.stat(path) {
        case nil: throw .file(.unreadable(path: path, reason: "no such file"))
        case let st? where st.kind != .file: throw .invalid(entry: nil, reason: "\(path) is not a regular file")
        case let st? where st.size == 0: throw .invalid(entry: nil, reason: "\(path) is empty: not a bundle")
        default: break
        }
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .file(.unreadable(path: path, reason: FileSystem.errorText())) }
        do {
            try ByteSource.refill(fd, &input, &inStart, &inEnd, &fileEnded, path)
            let head = input[0..<min(4, inEnd)]
            if head.starts(with: [0x1F, 0x8B]) {
                compression = "gzip"
                decoder = try GzipDecompressor()
            } else if head.elementsEqual([0x28, 0xB5, 0x2F, 0xFD]) {
                compression = "zstd"
                decoder = try ZstdDecompressor()
            } else {
                compression = "none"
                decoder = nil
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Fills `buffer[from...]` with the next bytes; returns how many (0 at the end).
    func read(into buffer: inout [UInt8], from start: Int) throws(BundleError) -> Int {
        guard start < buffer.count else { return 0 }
        guard let decoder else {
            if inStart < inEnd {
                let n = min(inEnd - inStart, buffer.count - start)
                buffer[start..<start + n] = input[inStart..<inStart + n]
                inStart += n
                return n
            }
            return try ByteSource.readSome(fd, &buffer, start, path)
        }
        // Decodes until `buffer` is full or the stream ends: fewer, larger chunks for the reader above.
        var total = 0
        while true {
            if streamEnded {
                if total > 0 { return total }
                if inStart == inEnd && !fileEnded { try ByteSource.refill(fd, &input, &inStart, &inEnd, &fileEnded, path) }
                guard inStart == inEnd else {
                    throw .invalid(entry: nil, reason: "bytes after the end of the \(compression) stream (trailing data, a second \(compression == "gzip" ? "member" : "frame") or a skippable frame); a bundle holds one stream")
                }
                return 0
            }
            if start + total == buffer.count { return total }
            if inStart == inEnd && !fileEnded { try ByteSource.refill(fd, &input, &inStart, &inEnd, &fileEnded, path) }
            let (consumed, produced, ended) = try decoder.step(input, inStart..<inEnd, into: &buffer, at: start + total)
            self.inStart += consumed
            streamEnded = ended
            total += produced
            if !ended && consumed == 0 && produced == 0 && self.inStart == self.inEnd && fileEnded {
                throw .invalid(entry: nil, reason: "truncated archive: the \(compression) stream is cut short")
            }
        }
    }

    /// Reads the next block of the file into `input` (which must be used up).
    private static func refill(_ fd: Int32, _ input: inout [UInt8], _ inStart: inout Int, _ inEnd: inout Int, _ ended: inout Bool, _ path: String) throws(BundleError) {
        let n = try readSome(fd, &input, 0, path)
        inStart = 0
        inEnd = n
        if n == 0 { ended = true }
    }

    private static func readSome(_ fd: Int32, _ buffer: inout [UInt8], _ start: Int, _ path: String) throws(BundleError) -> Int {
        let n = FileSystem.read(fd, into: &buffer, from: start)
        guard n >= 0 else { throw .file(.unreadable(path: path, reason: FileSystem.errorText())) }
        return n
    }
}
