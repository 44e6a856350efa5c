import Foundation
import Tracking
import YAML

extension MLflowAPI {
    /// A request's parameters (the JSON body, or the query of a GET), read as MLflow's protocol types them:
    /// ids as strings, times and steps as integers (or their decimal strings), values as numbers or the
    /// strings NaN, Infinity and -Infinity.
    struct Request {
        let value: Value

        init(_ value: Value) { self.value = value }

        /// Metric, param and tag names as MLflow allows them: letters, digits, `_ - . / :` and spaces, at most 250.
        static func checkName(_ name: String, _ what: String) throws(Failure) {
            guard !name.isEmpty, name.utf8.count <= 250,
                  name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_-./: ".unicodeScalars.contains($0) }),
                  !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw Failure.invalid("invalid \(what) name '\(String(name.prefix(260)).debugDescription.dropFirst().dropLast())': names are 1-250 letters, digits, '_', '-', '.', '/', ':' or spaces")
            }
        }

        func string(_ key: String) throws(Failure) -> String {
            guard let text = try optionalString(key) else { throw Failure.invalid("missing value for required parameter '\(key)'") }
            return text
        }

        func optionalString(_ key: String) throws(Failure) -> String? {
            switch value[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case .int(let i)?: return String(i)
            default: throw Failure.invalid("parameter '\(key)' must be a string")
            }
        }

        func optionalInt(_ key: String) throws(Failure) -> Int64? {
            switch value[key] {
            case nil, .null?: return nil
            case .int(let i)?: return Int64(i)
            case .string(let s)?:
                guard let i = Int64(s) else { throw Failure.invalid("parameter '\(key)' must be an integer, not '\(s)'") }
                return i
            case .double(let d)? where d.rounded() == d && abs(d) < 9e15: return Int64(d)
            default: throw Failure.invalid("parameter '\(key)' must be an integer")
            }
        }

        func runID() throws(Failure) -> String {
            var id = try optionalString("run_id")
            if id == nil { id = try optionalString("run_uuid") }
            guard let id, !id.isEmpty else {
                throw Failure.invalid("missing value for required parameter 'run_id'")
            }
            return id
        }

        func strings(_ key: String) throws(Failure) -> [String] {
            switch value[key] {
            case nil, .null?: return []
            case .list(let items)?:
                return try items.map { item throws(Failure) -> String in
                    switch item {
                    case .string(let s): return s
                    case .int(let i): return String(i)
                    default: throw Failure.invalid("'\(key)' must list strings")
                    }
                }
            default: throw Failure.invalid("'\(key)' must be a list")
            }
        }

        /// A list of `{"key": ..., "value": ...}` objects (params, tags).
        func pairs(_ key: String) throws(Failure) -> [(key: String, value: String)] {
            try objects(key).map { item throws(Failure) -> (key: String, value: String) in
                let r = Request(item)
                let name = try r.string("key")
                try Request.checkName(name, key == "tags" ? "tag" : "param")
                let text = try r.optionalString("value") ?? ""
                guard text.utf8.count <= 8000 else { throw Failure.invalid("the value of '\(name)' is longer than 8000 bytes") }
                return (name, text)
            }
        }

        func metrics(_ key: String) throws(Failure) -> [MetricPoint] {
            try objects(key).map(Request.metric)
        }

        func objects(_ key: String) throws(Failure) -> [Value] {
            switch value[key] {
            case nil, .null?: return []
            case .list(let items)?:
                guard items.count <= 10_000 else { throw Failure.invalid("'\(key)' lists more than 10000 items; send them in batches") }
                for item in items { guard case .map = item else { throw Failure.invalid("'\(key)' must list objects") } }
                return items
            default: throw Failure.invalid("'\(key)' must be a list")
            }
        }

        /// One metric point from `{"key", "value", "timestamp", "step"}`.
        static func metric(_ value: Value) throws(Failure) -> MetricPoint {
            let r = Request(value)
            let key = try r.string("key")
            try checkName(key, "metric")
            let number: Double
            switch value["value"] {
            case .double(let d)?: number = d
            case .int(let i)?: number = Double(i)
            case .string(let s)?:
                switch s {
                case "NaN", "nan": number = .nan
                case "Infinity", "inf": number = .infinity
                case "-Infinity", "-inf": number = -.infinity
                default:
                    guard let d = Double(s) else { throw Failure.invalid("metric '\(key)': value '\(s)' is not a number") }
                    number = d
                }
            default: throw Failure.invalid("metric '\(key)' needs a numeric value")
            }
            return MetricPoint(key: key, step: try r.optionalInt("step") ?? 0, timestampMs: try r.optionalInt("timestamp") ?? TrackingStore.nowMs,
                               value: number)
        }
    }
}

/// proj's records in MLflow's JSON shapes.
enum MLflowShapes {
    static func experiment(_ e: ExperimentRecord) -> Value {
        .map([.init("experiment_id", .string(String(e.id))), .init("name", .string(e.name)), .init("artifact_location", .string("")),
              .init("lifecycle_stage", .string(e.lifecycle)), .init("creation_time", .int(Int(e.createdMs))),
              .init("last_update_time", .int(Int(e.createdMs))), .init("tags", .list([]))])
    }

    static func status(_ text: String) -> RunStatus? {
        switch text {
        case "RUNNING", "SCHEDULED": .running
        case "FINISHED": .succeeded
        case "FAILED": .failed
        case "KILLED": .interrupted
        default: nil
        }
    }

    static func status(_ status: RunStatus) -> String {
        switch status {
        case .running: "RUNNING"
        case .succeeded: "FINISHED"
        case .failed: "FAILED"
        case .interrupted: "KILLED"
        }
    }

    static func info(_ run: RunSummary) -> Value {
        var entries: [Value.Entry] = [
            .init("run_id", .string(run.id)), .init("run_uuid", .string(run.id)), .init("run_name", .string(run.name)),
            .init("experiment_id", .string(String(run.experimentID))), .init("user_id", .string("")),
            .init("status", .string(status(run.status))), .init("start_time", .int(Int(run.startedMs))),
        ]
        if let ended = run.endedMs { entries.append(.init("end_time", .int(Int(ended)))) }
        entries += [.init("artifact_uri", .string("")), .init("lifecycle_stage", .string("active"))]
        return .map(entries)
    }

    static func run(_ run: RunSummary) -> Value {
        .map([
            .init("info", info(run)),
            .init("data", .map([
                .init("metrics", .list(run.metrics.keys.sorted().compactMap { run.metrics[$0].map(metric) })),
                .init("params", .list(run.params.keys.sorted().map { .map([.init("key", .string($0)), .init("value", .string(run.params[$0] ?? ""))]) })),
                .init("tags", .list(run.tags.keys.sorted().map { .map([.init("key", .string($0)), .init("value", .string(run.tags[$0] ?? ""))]) })),
            ])),
            .init("inputs", .map([])),
        ])
    }

    /// A point; NaN and infinities as protobuf's JSON spells them.
    static func metric(_ p: MetricPoint) -> Value {
        let value: Value = p.value.isNaN ? .string("NaN") : p.value.isInfinite ? .string(p.value > 0 ? "Infinity" : "-Infinity") : .double(p.value)
        return .map([.init("key", .string(p.key)), .init("value", value), .init("timestamp", .int(Int(p.timestampMs))), .init("step", .int(Int(p.step)))])
    }
}
