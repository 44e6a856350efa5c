import Foundation
import ProjectModel
import Runner
import Tabular
import YAML
#if canImport(Glibc)
import Glibc
#endif

/// Records one `proj repro` as a run: started (status `running`, with the git commit and every param)
/// before the first stage, finished after the last with each stage's record, the final value of every
/// metrics file, every plots file as per-step series, the bundle built and the outcome. A process killed
/// before it finishes leaves its run `running`, which `TrackingStore.reconcile` turns into `interrupted`.
public struct RunRecorder: Sendable {
    public let store: TrackingStore
    public let id: String
    /// The experiment runs of a project go to: its name in project.yaml.
    public let experiment: String

    /// `gitRoot` is where the git commit is read (an experiment's copy has no `.git`: its workspace's).
    public static func start(_ store: TrackingStore, workspace: Workspace, name: String, source: String,
                             gitRoot: String? = nil) async throws(TrackingError) -> RunRecorder {
        let git = await GitState.read(root: gitRoot ?? workspace.root)
        let experiment = workspace.project.name.isEmpty ? "default" : workspace.project.name
        let id = try store.createRun(NewRun(experiment: experiment, name: name, source: source, startedMs: TrackingStore.nowMs,
                                            gitRevision: git.revision, gitDirty: git.dirty, host: Liveness.host, pid: getpid()))
        try store.logParams(id, workspace.project.params.flattened().map { ($0.key, $0.value.inlineText) })
        return RunRecorder(store: store, id: id, experiment: experiment)
    }

    /// Records what the run did and its outcome. A run in which no stage ran, was restored or failed (all
    /// fresh) is not history: it is removed, and false returned. `documents` are kept with the run besides
    /// the JSON files its stages wrote (the bundle's manifest, for one).
    @discardableResult
    public func finish(_ results: [StageResult], workspace: Workspace, bundle: BuiltBundle?,
                       documents: [(name: String, content: String)] = []) throws(TrackingError) -> Bool {
        let didSomething = results.contains { r in
            switch r.status {
            case .ran, .restored, .failed, .interrupted: true
            case .fresh, .wouldRun, .skipped: false
            }
        }
        guard didSomething else {
            try store.deleteRuns([id])
            return false
        }
        let graph = workspace.project.graph
        try store.recordStages(id, results.map { result in
            var record = RunRecorder.record(result)
            record.upstream = graph.index[result.name].map { graph.upstream[$0].map { graph.names[$0] } } ?? []
            return record
        })
        try store.recordDocuments(id, RunRecorder.documents(workspace) + documents)
        let now = TrackingStore.nowMs
        try store.logMetrics(id, RunRecorder.metrics(workspace, timestampMs: now) + RunRecorder.plots(workspace, timestampMs: now))
        var status = RunStatus.succeeded
        var failedStage: String?, message: String?
        if results.contains(where: { $0.status == .interrupted }) {
            status = .interrupted
            message = "interrupted"
        } else if let failed = results.first(where: { if case .failed = $0.status { true } else { false } }), case .failed(let why) = failed.status {
            status = .failed
            failedStage = failed.name
            message = why
        }
        try store.finish(id, status: status, endedMs: now, failedStage: failedStage, message: message, bundle: bundle)
        return true
    }

    /// Records a run that could not go on (the pipeline could not be read or scheduled).
    public func fail(_ message: String) throws(TrackingError) {
        try store.finish(id, status: .failed, endedMs: TrackingStore.nowMs, message: message)
    }

    static func record(_ r: StageResult) -> StageRecord {
        let (outcome, message): (String, String?) = switch r.status {
        case .fresh: ("fresh", nil)
        case .ran: ("ran", nil)
        case .restored: ("restored", nil)
        case .wouldRun: ("would run", nil)
        case .failed(let why): ("failed", why)
        case .skipped(let why): ("skipped", why)
        case .interrupted: ("interrupted", nil)
        }
        return StageRecord(stage: r.name, outcome: outcome, fingerprint: r.fingerprint, reasons: r.reasons.map(\.description),
                           seconds: r.seconds, outs: r.outs, message: message)
    }

    /// Largest JSON file kept with a run.
    static let documentLimit = 1 << 20

    /// Every JSON file the stages declare (metrics, reports, plots) of at most `documentLimit` bytes that
    /// parses, by its path: the run's page shows the drift report and the like from these.
    static func documents(_ workspace: Workspace) -> [(name: String, content: String)] {
        let paths = Set(workspace.project.stages.flatMap { $0.outs.map(\.path) }).filter { $0.hasSuffix(".json") }.sorted()
        return paths.compactMap { path in
            let full = workspace.root + "/" + path
            guard let size = (try? FileManager.default.attributesOfItem(atPath: full))?[.size] as? Int, size <= documentLimit,
                  let data = FileManager.default.contents(atPath: full), (try? JSONParser.parse(Array(data))) != nil,
                  let text = String(data: data, encoding: .utf8) else { return nil }
            return (path, text)
        }
    }

    /// Every number in every metrics file, keyed `path:key`, as its value at step 0.
    static func metrics(_ workspace: Workspace, timestampMs: Int64) -> [MetricPoint] {
        Metrics.show(workspace).flatMap { file in
            file.values.compactMap { entry in
                number(entry.value).map { MetricPoint(key: file.path + ":" + entry.key, step: 0, timestampMs: timestampMs, value: $0) }
            }
        }
    }

    /// Every numeric column of every plots file (CSV), keyed `path:column`, one point per row; the step is
    /// the row's `step`, `epoch`, `round` or `iteration` column when there is one, else the row's number.
    static func plots(_ workspace: Workspace, timestampMs: Int64) -> [MetricPoint] {
        let paths = workspace.project.stages.flatMap { $0.outs.filter { $0.kind == .plot }.map(\.path) }
        var points: [MetricPoint] = []
        for path in paths where path.hasSuffix(".csv") {
            guard let data = FileManager.default.contents(atPath: workspace.root + "/" + path),
                  let table = try? CSVRows.parse(Array(data)) else { continue }
            let stepColumn = table.header.firstIndex { ["step", "epoch", "round", "iteration"].contains($0.lowercased()) }
            for (c, column) in table.header.enumerated() where c != stepColumn {
                let values = table.rows.map { Double($0[c]) }
                guard values.contains(where: { $0 != nil }) else { continue }
                for (r, value) in values.enumerated() {
                    guard let value else { continue }
                    let step = stepColumn.flatMap { Int64(table.rows[r][$0]) } ?? Int64(r)
                    points.append(MetricPoint(key: path + ":" + column, step: step, timestampMs: timestampMs, value: value))
                }
            }
        }
        return points
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
}

/// Whether a process recorded as running a run still lives.
public enum Liveness {
    /// This machine's name, recorded with each run so only its own runs are checked here.
    public static var host: String { ProcessInfo.processInfo.hostName }

    /// Whether process `pid` exists on this machine (signal 0 checks without sending anything).
    public static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
