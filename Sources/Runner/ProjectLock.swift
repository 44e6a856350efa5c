import Fingerprint
import Foundation

/// One writer per project: an advisory lock on `.proj/lock`, held until released or the process ends.
public final class ProjectLock {
    private let lock: FileLock

    /// Takes the lock, waiting up to `wait` seconds (calling `onWait` once) before failing.
    public init(root: String, wait: Int, onWait: (String) -> Void) throws(RunnerError) {
        let dir = root + "/.proj"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        do {
            lock = try FileLock(path: dir + "/lock", wait: wait) { holder in
                onWait("waiting for another proj process (pid \(holder)) to finish in this project (up to \(wait) s)...")
            }
        } catch {
            switch error {
            case .unwritable(let e): throw .file(e)
            case .busy(let holder, let waited): throw .busy(pid: holder, waited: waited)
            }
        }
    }
}
