import Fingerprint
import Foundation
import Remote

extension DataSync {
    /// The remote's run-cache entry for `stage` at `fingerprint`, its objects fetched into the cache and the
    /// entry recorded in the local run-cache: true when the stage can now be restored locally. A remote that
    /// fails or lacks something is not an error here (the stage runs instead); `warn` says why.
    public func restoreRun(stage: String, fingerprint: String, outs: Set<String>, warn: (String) -> Void) async -> Bool {
        guard !unusable.withLock({ $0 }) else { return false }
        do throws(RemoteError) {
            guard let (data, _) = try await store.get(DataSync.runKey(fingerprint)) else { return false }
            let entry: Lock
            do { entry = try Lock.parse(String(decoding: data, as: UTF8.self), file: DataSync.runKey(fingerprint)) } catch {
                warn("Stage '\(stage)': the remote's run-cache entry \(fingerprint.prefix(12))… is unreadable (\(error.headline)); running the stage")
                return false
            }
            guard entry.stage == stage, entry.fingerprint == fingerprint, Set(entry.outs.keys) == outs else { return false }
            _ = try await fetch(entry.outs.map { ($0.key, $0.value) })
            try? workspace.runCache.record(entry)
            return true
        } catch {
            switch error {
            case .unreachable, .denied, .notFound, .invalid:
                // Asking again for each stage would only repeat the wait and the message.
                unusable.withLock { $0 = true }
                warn("remote '\(store.remote)' is not used for the rest of this run: \(error)")
            default:
                warn("Stage '\(stage)': not restored from remote '\(store.remote)': \(error)")
            }
            return false
        }
    }
}
