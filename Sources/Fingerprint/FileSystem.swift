#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation

/// `stat(2)`, outside `FileSystem` whose own `stat` shadows the C name.
private func posixStat(_ path: String, _ st: inout stat) -> Int32 {
    stat(path, &st)
}

/// What `stat(2)` says about a path: enough to tell whether its content may have changed.
public struct FileStat: Sendable, Hashable {
    public enum Kind: Sendable { case file, directory, other }
    public var kind: Kind
    public var inode: UInt64
    public var size: Int64
    /// Modification time in nanoseconds since the epoch.
    public var mtimeNs: Int64
    /// Permission bits.
    public var mode: UInt32
}

/// Thin wrappers over the POSIX calls the hashing and writing code needs.
///
/// The only file of this module that touches raw pointers.
public enum FileSystem {
    /// `stat(2)` following symlinks; nil when the path does not exist.
    public static func stat(_ path: String) -> FileStat? {
        var st = Glibc.stat()
        guard posixStat(path, &st) == 0 else { return nil }
        let type = st.st_mode & S_IFMT
        let kind: FileStat.Kind = type == S_IFREG ? .file : type == S_IFDIR ? .directory : .other
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return FileStat(kind: kind, inode: UInt64(st.st_ino), size: Int64(st.st_size), mtimeNs: mtime, mode: UInt32(st.st_mode & 0o7777))
    }

    /// Streams the file at `path` through SHA-256 with `buffer` (reused across calls).
    /// Returns the hex digest and the number of bytes read.
    public static func sha256(path: String, buffer: HashBuffer) throws(FingerprintError) -> (hex: String, size: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FingerprintError.unreadable(path: path, reason: errorText()) }
        defer { close(fd) }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            let n = buffer.bytes.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress, raw.count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FingerprintError.unreadable(path: path, reason: errorText())
            }
            if n == 0 { break }
            buffer.bytes.withUnsafeBytes { raw in
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[0..<n]))
            }
            total += Int64(n)
        }
        return (Hex.encode(hasher.finalize()), total)
    }

    /// `fsync(2)` on the file or directory at `path` (a directory to make a rename durable).
    public static func sync(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// The text of the current `errno`, as it reads inside a sentence ("no space left on device").
    public static func errorText() -> String {
        String(cString: strerror(errno)).lowercased()
    }
}

/// A reusable read buffer for hashing (one per thread).
public final class HashBuffer {
    var bytes: [UInt8]

    /// Creates a buffer of `size` bytes (1 MiB by default).
    public init(size: Int = 1 << 20) {
        bytes = [UInt8](repeating: 0, count: size)
    }
}

/// Lowercase hex of digests.
public enum Hex {
    /// Hex-encodes any byte sequence.
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` is a SHA-256 as proj writes one: 64 lower-case hex digits.
    public static func isSHA256<S: StringProtocol>(_ text: S) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Whether `byte` is an ASCII hex digit (either case).
    public static func isDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }

    /// SHA-256 of bytes, as hex.
    public static func sha256<D: DataProtocol>(_ data: D) -> String {
        encode(SHA256.hash(data: data))
    }
}

extension FileSystem {
    /// An error's text for a user: Foundation's file errors become the path and the errno meaning ("no such file
    /// or directory"), never "NSCocoaErrorDomain error 512"; proj's own errors keep their text.
    public static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        guard !(error is FingerprintError), ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain,
              let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path else { return reason(of: error) }
        return "'\(path)': \(reason(of: error))"
    }

    /// The errno meaning of a Foundation file error alone ("no such file or directory"), for a message that
    /// names the path itself; any other error's own text.
    public static func reason(of error: any Error) -> String {
        if let error = error as? FingerprintError { return error.description }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileWriteOutOfSpace: return "no space left on device"
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteFileExists: return "file exists"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        default: return "file operation failed"
        }
    }

    /// Whether `path` itself is a symbolic link.
    public static func isSymlink(_ path: String) -> Bool {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return false }
        return st.st_mode & S_IFMT == S_IFLNK
    }

    /// Whether `path` itself (not following a symlink) is a directory.
    public static func lstatIsDirectory(_ path: String) -> Bool {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return false }
        return st.st_mode & S_IFMT == S_IFDIR
    }
}

extension FileSystem {
    /// Writes all of `bytes` to `fd`, retrying short writes; false on an error (see `errorText`).
    public static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { raw in write(fd, raw.baseAddress, raw.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            rest = rest.dropFirst(n)
        }
        return true
    }
}

extension FileSystem {
    /// read(2) into `buffer[start...]`, retrying on EINTR; the number of bytes read (0 at the end), or -1 on
    /// an error (see `errorText`).
    public static func read(_ fd: Int32, into buffer: inout [UInt8], from start: Int = 0) -> Int {
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + start, raw.count - start) }
            if n >= 0 || errno != EINTR { return n }
        }
    }

    /// Creates `path` for writing with open(O_CREAT | O_EXCL | O_NOFOLLOW): it must not exist, and a
    /// symlink planted there is never followed. Returns the descriptor.
    public static func createExclusive(_ path: String, mode: Int = 0o644) throws(FingerprintError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw .unwritable(path: path, reason: errorText()) }
        return fd
    }

    /// Creates a fresh directory with mkdtemp(3) (atomically, mode 0700, an unpredictable name) beside
    /// `target`, named as `TemporaryPath` names temporaries.
    public static func makeTemporaryDirectory(beside target: String) throws(FingerprintError) -> String {
        let (dir, name) = TemporaryPath.split(target)
        var template = Array((dir + "/" + TemporaryPath.prefix(for: name) + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw .unwritable(path: dir, reason: errorText()) }
        return String(cString: template.map { UInt8(bitPattern: $0) })
    }

    /// Creates `path` and its missing parents as directories (mode 0755). Existing directories are used as
    /// they are (a user's symlinked data directory too); mkdir never follows a symlink it would create.
    public static func makeDirectories(_ path: String) throws(FingerprintError) {
        if stat(path)?.kind == .directory { return }
        let (parent, _) = TemporaryPath.split(path)
        if parent != path && parent != "/" && parent != "." { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && !(errno == EEXIST && stat(path)?.kind == .directory) {
            throw .unwritable(path: path, reason: errno == EEXIST ? "it exists and is not a directory" : errorText())
        }
    }

    /// The names in directory `path` (without `.` and `..`); empty when it cannot be read.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes `path`: a file or symlink itself, or a directory with everything in it (symlinks inside
    /// are removed, never followed). Errors are ignored: what is left is left.
    public static func removeTree(_ path: String) {
        if lstatIsDirectory(path) {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
