import Foundation

/// Where a running `proj ui` answers, kept in `.proj/ui` while it runs (its pid, its URL and the history it
/// serves), so the stages of a run recorded into that same history get `MLFLOW_TRACKING_URI` and
/// `MLFLOW_RUN_ID` and what they log with the mlflow client joins proj's run.
public enum UIAddress {
    static func file(_ root: String) -> String { root + "/.proj/ui" }

    /// Records that this process serves `store` at `url`.
    public static func announce(root: String, url: String, store: TrackingStore) {
        let text = "\(getpid())\n\(url)\n\(store.location)\n"
        try? text.write(toFile: file(root), atomically: true, encoding: .utf8)
    }

    /// Removes the record, when it is this process's.
    public static func withdraw(root: String) {
        guard let lines = try? String(contentsOfFile: file(root), encoding: .utf8).split(separator: "\n"),
              lines.first == Substring(String(getpid())) else { return }
        try? FileManager.default.removeItem(atPath: file(root))
    }

    /// The URL of a `proj ui` that is running and serves `store`; nil when there is none.
    public static func current(root: String, store: TrackingStore) -> String? {
        guard let lines = try? String(contentsOfFile: file(root), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false),
              lines.count >= 3, let pid = Int32(lines[0]), Liveness.isAlive(pid), String(lines[2]) == store.location else { return nil }
        return String(lines[1])
    }

    /// The stage environment of a run recorded by `recorder` in the project at `root`.
    public static func environment(root: String, recorder: RunRecorder) -> [String: String] {
        var environment = ["PROJ_RUN_ID": recorder.id]
        if let url = current(root: root, store: recorder.store) {
            environment["MLFLOW_TRACKING_URI"] = url
            environment["MLFLOW_RUN_ID"] = recorder.id
        }
        return environment
    }
}
