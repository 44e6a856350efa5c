import Fingerprint
import Foundation
import YAML

/// Earlier successful runs by stage fingerprint (`.proj/runs/<fingerprint>.lock`):
/// when a stage's inputs match one, its outs are restored instead of re-running it.
public final class RunCache: Sendable {
    public let directory: String

    /// Opens the run-cache at `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The lock recorded for `fingerprint`, if any run produced one.
    public func entry(_ fingerprint: String) -> Lock? {
        guard let text = try? String(contentsOfFile: directory + "/" + fingerprint + ".lock", encoding: .utf8) else { return nil }
        return try? Lock.parse(text, file: fingerprint)
    }

    /// Records a successful run.
    public func record(_ lock: Lock) throws(FingerprintError) {
        try AtomicFile.write(lock.yaml, to: directory + "/" + lock.fingerprint + ".lock")
    }

    /// Every recorded run.
    public func all() -> [Lock] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".lock") }.compactMap { entry(String($0.dropLast(5))) }
    }
}
