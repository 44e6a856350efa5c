import CLinux
import Crypto
import Foundation
import Glibc

/// Writes files so that readers see the old content or the new, never a mix: a temporary file beside
/// the target (created exclusively, never through a symlink, named by `TemporaryPath`), fsync, rename,
/// fsync of the directory. On any failure the temporary file is removed.
public enum AtomicFile {
    /// Replaces `path` with `data` atomically, creating parent directories as needed.
    public static func write(_ data: Data, to path: String, mode: Int = 0o644) throws(FingerprintError) {
        try write([UInt8](data), to: path, mode: mode)
    }

    /// Replaces `path` with `text` (UTF-8) atomically.
    public static func write(_ text: String, to path: String, mode: Int = 0o644) throws(FingerprintError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Replaces `path` with `bytes` atomically.
    public static func write(_ bytes: [UInt8], to path: String, mode: Int = 0o644) throws(FingerprintError) {
        let (dir, _) = TemporaryPath.split(path)
        try FileSystem.makeDirectories(dir)
        let temp = TemporaryPath.beside(path)
        let fd = try createTemporary(temp, for: path, mode: mode)
        let written = FileSystem.writeAll(fd, bytes[...]) && fsync(fd) == 0
        let reason = written ? "" : FileSystem.errorText()
        close(fd)
        guard written else {
            unlink(temp)
            throw .unwritable(path: path, reason: reason)
        }
        try install(temp, at: path, durable: true)
    }

    /// Writes many small files at once, each atomically: every one goes to a temporary file beside its target,
    /// then one `syncfs` makes them all durable, then each is renamed onto its target and each directory is
    /// synced once. Readers never see part of a file; on failure no temporary file is left (files already
    /// renamed stay: each is whole).
    public static func writeBatch(_ files: [(bytes: ArraySlice<UInt8>, path: String)], mode: Int) throws(FingerprintError) {
        guard !files.isEmpty else { return }
        var temps: [String] = []
        temps.reserveCapacity(files.count)
        var directories = Set<String>()
        defer { for temp in temps { unlink(temp) } }
        for (bytes, path) in files {
            let (dir, _) = TemporaryPath.split(path)
            if directories.insert(dir).inserted { try FileSystem.makeDirectories(dir) }
            let temp = TemporaryPath.beside(path)
            let fd = try createTemporary(temp, for: path, mode: mode)
            temps.append(temp)
            let written = FileSystem.writeAll(fd, bytes)
            let reason = written ? "" : FileSystem.errorText()
            close(fd)
            guard written else { throw .unwritable(path: path, reason: reason) }
        }
        let first = open(TemporaryPath.split(files[0].path).0, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let synced = first >= 0 && proj_syncfs(first) == 0
        let reason = synced ? "" : FileSystem.errorText()
        if first >= 0 { close(first) }
        guard synced else { throw .unwritable(path: files[0].path, reason: reason) }
        for (i, temp) in temps.enumerated() {
            guard rename(temp, files[i].path) == 0 else {
                let reason = FileSystem.errorText()
                temps.removeFirst(i)
                throw .unwritable(path: files[i].path, reason: reason)
            }
        }
        temps.removeAll()
        for dir in directories { FileSystem.sync(path: dir) }
    }

    /// Copies the file `source` to `target` through a temporary file beside it and a rename, so readers
    /// never see a partial file; with `durable`, the file and the directory are fsynced. A directory at
    /// `target` is replaced. With `sha256`, the bytes are hashed as they are copied (no second read) and
    /// nothing is installed unless they hash to it: the error is `.corrupt`.
    public static func copy(_ source: String, to target: String, mode: Int, durable: Bool = true, sha256 expected: String? = nil) throws(FingerprintError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .unreadable(path: source, reason: FileSystem.errorText()) }
        defer { close(input) }
        let (dir, _) = TemporaryPath.split(target)
        try FileSystem.makeDirectories(dir)
        let temp = TemporaryPath.beside(target)
        let output = try createTemporary(temp, for: target, mode: mode)
        var failure = pour(input, source, into: output, target, sha256: expected)
        if failure == nil, durable, fsync(output) != 0 { failure = .unwritable(path: target, reason: FileSystem.errorText()) }
        close(output)
        if let failure {
            unlink(temp)
            throw failure
        }
        if FileSystem.lstatIsDirectory(target) { FileSystem.removeTree(target) }
        try install(temp, at: target, durable: durable)
    }

    /// Copies `source` to the new file `target` directly, without a temporary file: only for a directory no
    /// reader sees until it is complete (a staging directory renamed whole afterwards). With `sha256`, the
    /// bytes are hashed as they are copied and a mismatch removes the file (`.corrupt`).
    public static func copyIntoStaging(_ source: String, to target: String, mode: Int, sha256 expected: String? = nil) throws(FingerprintError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .unreadable(path: source, reason: FileSystem.errorText()) }
        defer { close(input) }
        try FileSystem.makeDirectories(TemporaryPath.split(target).0)
        let output = try FileSystem.createExclusive(target, mode: mode)
        let failure = pour(input, source, into: output, target, sha256: expected)
        close(output)
        if let failure {
            unlink(target)
            throw failure
        }
    }

    /// Copies everything from `input` to `output` in one buffer sized to the file (at most 1 MiB), hashing when
    /// `expected` is given; the failure, if any.
    static func pour(_ input: Int32, _ source: String, into output: Int32, _ target: String, sha256 expected: String?) -> FingerprintError? {
        var info = Glibc.stat()
        let size = fstat(input, &info) == 0 ? Int(info.st_size) : 1 << 20
        var hasher = expected.map { _ in SHA256() }
        var buffer = [UInt8](repeating: 0, count: min(1 << 20, max(4096, size + 1)))
        while true {
            let n = FileSystem.read(input, into: &buffer)
            if n < 0 { return .unreadable(path: source, reason: FileSystem.errorText()) }
            if n == 0 { break }
            hasher?.update(data: buffer[0..<n])
            guard FileSystem.writeAll(output, buffer[0..<n]) else { return .unwritable(path: target, reason: FileSystem.errorText()) }
        }
        if let expected, let actual = hasher.map({ Hex.encode($0.finalize()) }), actual != expected {
            return .corrupt(path: source, expected: expected, actual: actual)
        }
        return nil
    }

    /// Creates the temporary file `temp` for `target`; an error names `target`, the file the user knows.
    static func createTemporary(_ temp: String, for target: String, mode: Int) throws(FingerprintError) -> Int32 {
        do { return try FileSystem.createExclusive(temp, mode: mode) } catch {
            guard case .unwritable(_, let reason) = error else { throw error }
            throw .unwritable(path: target, reason: reason)
        }
    }

    /// Renames `temp` onto `target` (removing `temp` when that fails) and, when `durable`, syncs the directory.
    static func install(_ temp: String, at target: String, durable: Bool) throws(FingerprintError) {
        guard rename(temp, target) == 0 else {
            let reason = FileSystem.errorText()
            unlink(temp)
            throw .unwritable(path: target, reason: reason)
        }
        if durable { FileSystem.sync(path: TemporaryPath.split(target).0) }
    }
}
