/// A run's outcome. A run still marked `running` whose process is gone reads as `interrupted`.
public enum RunStatus: String, Sendable, CaseIterable {
    case running, succeeded, failed, interrupted
}

/// One value of a metric: its step, when it was logged, and the value (NaN and infinities allowed).
public struct MetricPoint: Sendable, Equatable {
    public var key: String
    public var step: Int64
    public var timestampMs: Int64
    public var value: Double

    public init(key: String, step: Int64, timestampMs: Int64, value: Double) {
        self.key = key
        self.step = step
        self.timestampMs = timestampMs
        self.value = value
    }

    public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
        a.key == b.key && a.step == b.step && a.timestampMs == b.timestampMs && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

/// What one stage did in a run.
public struct StageRecord: Sendable, Equatable {
    public var stage: String
    /// ran, restored, fresh, failed, skipped, interrupted.
    public var outcome: String
    public var fingerprint: String?
    public var reasons: [String]
    public var seconds: Double
    /// Out path -> SHA-256.
    public var outs: [String: String]
    public var message: String?
    /// The stages this one depends on, by name (the run's DAG).
    public var upstream: [String]

    public init(stage: String, outcome: String, fingerprint: String?, reasons: [String], seconds: Double, outs: [String: String], message: String?,
                upstream: [String] = []) {
        self.upstream = upstream
        self.stage = stage
        self.outcome = outcome
        self.fingerprint = fingerprint
        self.reasons = reasons
        self.seconds = seconds
        self.outs = outs
        self.message = message
    }
}

/// A new run as its recorder starts it.
public struct NewRun: Sendable {
    public var experiment: String
    public var name: String
    /// What made it: `repro`, `exp` or `api`.
    public var source: String
    public var startedMs: Int64
    public var gitRevision: String?
    public var gitDirty: Bool?
    public var host: String
    public var pid: Int32

    public init(experiment: String, name: String, source: String, startedMs: Int64, gitRevision: String?, gitDirty: Bool?, host: String, pid: Int32) {
        self.experiment = experiment
        self.name = name
        self.source = source
        self.startedMs = startedMs
        self.gitRevision = gitRevision
        self.gitDirty = gitDirty
        self.host = host
        self.pid = pid
    }
}

/// A bundle a run built.
public struct BuiltBundle: Sendable, Equatable {
    public var name: String
    public var version: String
    /// The manifest's checksum.
    public var digest: String

    public init(name: String, version: String, digest: String) {
        self.name = name
        self.version = version
        self.digest = digest
    }
}

/// A run as the runs table shows it: its record, params and each metric's latest value.
public struct RunSummary: Sendable {
    public var id: String
    public var experimentID: Int64
    public var experiment: String
    public var name: String
    public var source: String
    public var status: RunStatus
    public var startedMs: Int64
    public var endedMs: Int64?
    public var gitRevision: String?
    public var gitDirty: Bool?
    public var failedStage: String?
    public var message: String?
    public var bundle: BuiltBundle?
    public var params: [String: String]
    public var metrics: [String: MetricPoint]
    public var tags: [String: String] = [:]
}

/// A run with its stages.
public struct RunDetail: Sendable {
    public var summary: RunSummary
    public var stages: [StageRecord]
}

/// An experiment: the runs of one project (named after it) or of one MLflow experiment.
public struct ExperimentRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var createdMs: Int64
    public var lifecycle: String
}

/// A metric's points as a chart draws them: finite values in step order, perhaps downsampled.
public struct Series: Sendable {
    public var key: String
    public var points: [(step: Int64, value: Double)]
    /// How many points the run has for the key, and how many of them are NaN or infinite (not drawn).
    public var total: Int
    public var nonFinite: Int
    /// Whether `points` are min/max buckets of a longer series.
    public var downsampled: Bool
}
