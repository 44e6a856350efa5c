import Fingerprint
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One writer per project: an advisory `flock(2)` on `.proj/lock`, held until released or the process ends.
public final class ProjectLock {
    private let fd: Int32

    /// Takes the lock, waiting up to `wait` seconds (calling `onWait` once) before failing.
    public init(root: String, wait: Int, onWait: (String) -> Void) throws(RunnerError) {
        let dir = root + "/.proj"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .file(.unwritable(path: path, reason: FileSystem.errorText())) }
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            if Date() >= deadline {
                close(fd)
                throw .busy(pid: holder.isEmpty ? "?" : holder, waited: wait)
            }
            if !told {
                onWait("waiting for another proj process (pid \(holder)) to finish in this project (up to \(wait) s)...")
                told = true
            }
            usleep(50_000)
        }
        _ = ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
