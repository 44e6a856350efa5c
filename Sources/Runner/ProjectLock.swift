import Fingerprint
import Foundation

/// One writer per project: an advisory lock on `.proj/lock`, held until released or the process ends.
public final class ProjectLock {
    private let lock: FileLock?

    /// Set by `proj repro` for its stages to the pid holding the lock. A stage's own proj command (a
    /// `proj bundle` stage) then works under the running repro's lock instead of waiting for it, but only
    /// while that pid really holds it.
    public static let holderVariable = "PROJ_LOCK_HOLDER"

    /// Takes the lock, waiting up to `wait` seconds (calling `onWait` once) before failing.
    public init(root: String, wait: Int, onWait: (String) -> Void) throws(RunnerError) {
        let dir = root + "/.proj"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let parent = ProcessInfo.processInfo.environment[ProjectLock.holderVariable], !parent.isEmpty,
           case .failure(.busy(let holder, _)) = Result(catching: { () throws(FileLock.Failure) in try FileLock(path: dir + "/lock", wait: 0) { _ in } }),
           holder == parent {
            lock = nil
            return
        }
        do {
            let taken = try FileLock(path: dir + "/lock", wait: wait) { holder in
                onWait("waiting for another proj process (pid \(holder)) to finish in this project (up to \(wait) s)...")
            }
            lock = taken
            // The last holder was killed: its temporary files (a half-copied out, a complete bundle under a
            // hidden name, a restore's staging directory) are removed unless their owner still runs.
            if taken.previousHolderVanished {
                TemporaryPath.removeAbandoned(under: root) { $0 == ".git" || $0.hasPrefix(".build") }
            }
        } catch {
            switch error {
            case .unwritable(let e): throw .file(e)
            case .busy(let holder, let waited): throw .busy(pid: holder, waited: waited)
            }
        }
    }
}
