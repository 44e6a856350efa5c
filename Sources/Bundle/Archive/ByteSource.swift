import CArchive
import Fingerprint

/// The bytes of a file, decompressed when it is gzip or zstd (libarchive's raw format).
///
/// The tar structure itself is parsed by `TarStream`, strictly, in Swift.
final class ByteSource {
    private let archive: OpaquePointer
    let path: String
    /// The compression libarchive recognised: "none", "gzip" or "zstd".
    private(set) var compression = "none"
    private var atEnd = false

    /// Opens `path`.
    init(path: String) throws(BundleError) {
        switch FileSystem.stat(path) {
        case nil: throw .file(.unreadable(path: path, reason: "no such file"))
        case let st? where st.kind != .file: throw .invalid(entry: nil, reason: "\(path) is not a regular file")
        case let st? where st.size == 0: throw .invalid(entry: nil, reason: "\(path) is empty: not a bundle")
        default: break
        }
        guard let a = archive_read_new() else { throw .file(.unreadable(path: path, reason: "out of memory")) }
        archive = a
        self.path = path
        _ = archive_read_support_filter_gzip(a)
        _ = archive_read_support_filter_zstd(a)
        _ = archive_read_support_format_raw(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            let reason = TarWriter.message(a)
            throw .file(.unreadable(path: path, reason: reason))
        }
        var entry: OpaquePointer?
        switch archive_read_next_header(a, &entry) {
        case ARCHIVE_OK, ARCHIVE_WARN:
            if archive_filter_count(a) > 1, let name = archive_filter_name(a, 0) { compression = String(cString: name) }
        case ARCHIVE_EOF:
            atEnd = true
        default:
            let reason = TarWriter.message(a)
            throw .invalid(entry: nil, reason: "cannot read \(path): \(reason)")
        }
    }

    deinit { archive_read_free(archive) }

    /// Fills `buffer[from...]` with the next bytes; returns how many (0 at the end).
    func read(into buffer: inout [UInt8], from start: Int) throws(BundleError) -> Int {
        if atEnd || start >= buffer.count { return 0 }
        let n = buffer.withUnsafeMutableBytes { raw in
            archive_read_data(archive, raw.baseAddress! + start, raw.count - start)
        }
        if n < 0 {
            throw .invalid(entry: nil, reason: "cannot read \(path): \(TarWriter.message(archive))")
        }
        if n == 0 { atEnd = true }
        return n
    }
}
