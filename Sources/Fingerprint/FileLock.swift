import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory `flock(2)` on a file, held until the value is released or the process ends.
/// The holder's pid is written into the file so a waiting process can name it.
public final class FileLock {
    private let fd: Int32
    /// Whether the last holder ended without releasing the lock (killed or crashed): the file still named
    /// it. A clean release empties the file.
    public private(set) var previousHolderVanished = false

    /// Why the lock was not taken.
    public enum Failure: Error {
        case unwritable(FingerprintError)
        /// Still held by `holder` (a pid, or "?") after `waited` seconds.
        case busy(holder: String, waited: Int)
    }

    /// Takes the lock on `path`, waiting up to `wait` seconds; `onWait` is called once with the holder's pid.
    public init(path: String, wait: Int, onWait: (String) -> Void) throws(Failure) {
        // O_NOFOLLOW: a symlink planted at the lock's path is refused, never opened and truncated.
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .unwritable(.unwritable(path: path, reason: FileSystem.errorText())) }
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if holder.isEmpty { holder = "?" }
            if Date() >= deadline {
                close(fd)
                throw .busy(holder: holder, waited: wait)
            }
            if !told {
                onWait(holder)
                told = true
            }
            usleep(20_000)
        }
        var previous = [UInt8](repeating: 0, count: 32)
        previousHolderVanished = previous.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) } > 0
        _ = ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
