import CArchive
import Fingerprint
import Foundation
import Glibc

/// Writes a deterministic tar (POSIX pax, restricted to ustar headers unless a name needs more),
/// optionally zstd-compressed, through libarchive.
///
/// Every entry is a regular file with uid/gid 0, no user or group names, mode 0644 or 0755 and
/// the same mtime, so the bytes depend on names, modes and contents alone.
final class TarWriter {
    private let archive: OpaquePointer
    private let path: String
    private let fd: Int32
    private let mtime: Int64
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    /// Creates `path`, which must not exist (a symlink planted there is not followed), for writing.
    init(path: String, zstd: Bool, mtime: Int64) throws(BundleError) {
        do { fd = try FileSystem.createExclusive(path) } catch { throw .file(error) }
        guard let a = archive_write_new() else {
            Glibc.close(fd)
            throw .file(.unwritable(path: path, reason: "out of memory"))
        }
        archive = a
        self.path = path
        self.mtime = mtime
        // libarchive converts names through the C locale: with a UTF-8 one, a non-ASCII name is
        // written as a plain pax `path` record, the same on every machine.
        TarWriter.useUTF8Locale
        var ok = archive_write_set_format_pax_restricted(a) == ARCHIVE_OK
        if zstd {
            ok = ok && archive_write_add_filter_zstd(a) == ARCHIVE_OK
        } else {
            ok = ok && archive_write_add_filter_none(a) == ARCHIVE_OK
        }
        ok = ok && archive_write_open_fd(a, fd) == ARCHIVE_OK
        if !ok {
            let reason = TarWriter.message(a)
            archive_write_free(a)
            Glibc.close(fd)
            throw .file(.unwritable(path: path, reason: reason))
        }
    }

    deinit {
        archive_write_free(archive)
        Glibc.close(fd)
    }

    /// Adds an entry holding `bytes`.
    func add(name: String, bytes: [UInt8], executable: Bool = false) throws(BundleError) {
        try header(name: name, size: Int64(bytes.count), executable: executable)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                archive_write_data(archive, raw.baseAddress! + offset, bytes.count - offset)
            }
            guard n > 0 else { throw .file(.unwritable(path: path, reason: TarWriter.message(archive))) }
            offset += n
        }
        try finishEntry()
    }

    /// Adds an entry streamed from the file at `source`, which must be `size` bytes long.
    func add(name: String, file source: String, size: Int64, executable: Bool = false) throws(BundleError) {
        try header(name: name, size: size, executable: executable)
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .file(.unreadable(path: source, reason: FileSystem.errorText())) }
        defer { Glibc.close(fd) }
        var written: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, raw.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .file(.unreadable(path: source, reason: FileSystem.errorText()))
            }
            if n == 0 { break }
            guard written + Int64(n) <= size else { throw .file(.unreadable(path: source, reason: "the file grew while it was being bundled")) }
            let w = buffer.withUnsafeBytes { raw in archive_write_data(archive, raw.baseAddress, n) }
            guard w == n else { throw .file(.unwritable(path: path, reason: TarWriter.message(archive))) }
            written += Int64(n)
        }
        guard written == size else { throw .file(.unreadable(path: source, reason: "the file shrank while it was being bundled")) }
        try finishEntry()
    }

    /// Writes the end-of-archive blocks and closes the file.
    func close() throws(BundleError) {
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw .file(.unwritable(path: path, reason: TarWriter.message(archive)))
        }
    }

    private func header(name: String, size: Int64, executable: Bool) throws(BundleError) {
        guard let entry = archive_entry_new() else { throw .file(.unwritable(path: path, reason: "out of memory")) }
        defer { archive_entry_free(entry) }
        _ = archive_entry_update_pathname_utf8(entry, name)
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, executable ? 0o755 : 0o644)
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, time_t(mtime), 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw .file(.unwritable(path: path, reason: "\(name): " + TarWriter.message(archive)))
        }
    }

    private func finishEntry() throws(BundleError) {
        guard archive_write_finish_entry(archive) == ARCHIVE_OK else {
            throw .file(.unwritable(path: path, reason: TarWriter.message(archive)))
        }
    }

    private static let useUTF8Locale: Void = {
        if setlocale(LC_CTYPE, "C.UTF-8") == nil { _ = setlocale(LC_CTYPE, "en_US.UTF-8") }
    }()

    static func message(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "libarchive error \(archive_errno(a))"
    }
}
