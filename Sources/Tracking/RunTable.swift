import Foundation
import YAML

/// How `proj exp` and `proj ui` lay runs out: which param and metric columns, the rows of the text table, the JSON
/// of a run, sorting and the differences between two runs.
public enum RunTable {
    public struct Columns: Sendable {
        public var params: [String]
        public var metrics: [String]

        public init(params: [String], metrics: [String]) {
            self.params = params
            self.metrics = metrics
        }
    }

    /// Every param and metric key of `runs`, sorted; with `onlyChanged`, those whose value is not the same
    /// in every run (a key some runs lack counts as changed).
    public static func columns(_ runs: [RunSummary], onlyChanged: Bool) -> Columns {
        var params = Set<String>(), metrics = Set<String>()
        for run in runs {
            params.formUnion(run.params.keys)
            metrics.formUnion(run.metrics.keys)
        }
        if onlyChanged {
            params = params.filter { key in Set(runs.map { $0.params[key] }).count > 1 }
            metrics = metrics.filter { key in Set(runs.map { $0.metrics[key].map { text($0.value) } }).count > 1 }
        }
        return Columns(params: params.sorted(), metrics: metrics.sorted())
    }

    public static func rows(_ runs: [RunSummary], columns: Columns) -> [[String]] {
        var rows = [["Run", "Name", "Status", "Started"] + columns.params + columns.metrics]
        for run in runs {
            let status = run.status == .failed ? "failed" + (run.failedStage.map { " at \($0)" } ?? "") : run.status.rawValue
            rows.append([String(run.id.prefix(8)), run.name.isEmpty ? "-" : run.name, status, time(run.startedMs)]
                        + columns.params.map { run.params[$0] ?? "-" } + columns.metrics.map { text(run.metrics[$0]?.value) })
        }
        return rows
    }

    public static func value(_ run: RunSummary, columns: Columns) -> Value {
        var entries: [Value.Entry] = [
            .init("id", .string(run.id)), .init("name", .string(run.name)), .init("experiment", .string(run.experiment)),
            .init("status", .string(run.status.rawValue)), .init("source", .string(run.source)),
            .init("started", .string(time(run.startedMs))), .init("ended", run.endedMs.map { .string(time($0)) } ?? .null),
            .init("git", .map([.init("revision", run.gitRevision.map(Value.string) ?? .null), .init("dirty", run.gitDirty.map(Value.bool) ?? .null)])),
        ]
        if let stage = run.failedStage { entries.append(.init("failed_stage", .string(stage))) }
        if let message = run.message { entries.append(.init("message", .string(message))) }
        if let bundle = run.bundle {
            entries.append(.init("bundle", .map([.init("name", .string(bundle.name)), .init("version", .string(bundle.version)),
                                                 .init("manifest", .string(bundle.digest))])))
        }
        entries.append(.init("params", .map(columns.params.compactMap { key in run.params[key].map { .init(key, .string($0)) } })))
        entries.append(.init("metrics", .map(columns.metrics.compactMap { key in run.metrics[key].map { .init(key, json($0.value)) } })))
        return .map(entries)
    }

    /// Runs by a metric's or param's value (numbers as numbers); runs without it last, in their order.
    public static func sorted(_ runs: [RunSummary], by key: String, descending: Bool) -> [RunSummary] {
        func sortValue(_ run: RunSummary) -> (Double?, String?) {
            if let point = run.metrics[key] { return (point.value.isNaN ? nil : point.value, nil) }
            if let param = run.params[key] { return (Double(param), param) }
            return (nil, nil)
        }
        let keyed = runs.enumerated().map { (offset: $0.offset, run: $0.element, value: sortValue($0.element)) }
        return keyed.sorted { x, y in
            switch (x.value, y.value) {
            case ((let a?, _), (let b?, _)) where a != b: return descending ? a > b : a < b
            case ((nil, let a?), (nil, let b?)) where a != b: return descending ? a > b : a < b
            default:
                let xHas = x.value.0 != nil || x.value.1 != nil, yHas = y.value.0 != nil || y.value.1 != nil
                if xHas != yHas { return xHas }
                return x.offset < y.offset
            }
        }.map(\.run)
    }

    public struct ParamChange: Sendable { public var key: String; public var a: String?; public var b: String? }
    public struct MetricChange: Sendable { public var key: String; public var a: Double?; public var b: Double?; public var change: Double? }

    /// The params and metrics whose values differ between `a` and `b` (present in one only included).
    public static func differences(_ a: RunSummary, _ b: RunSummary) -> (params: [ParamChange], metrics: [MetricChange]) {
        let params = Set(a.params.keys).union(b.params.keys).sorted().compactMap { key -> ParamChange? in
            a.params[key] == b.params[key] ? nil : ParamChange(key: key, a: a.params[key], b: b.params[key])
        }
        let metrics = Set(a.metrics.keys).union(b.metrics.keys).sorted().compactMap { key -> MetricChange? in
            let x = a.metrics[key]?.value, y = b.metrics[key]?.value
            guard text(x) != text(y) else { return nil }
            let change = x.flatMap { x in y.map { $0 - x } }.flatMap { $0.isFinite ? $0 : nil }
            return MetricChange(key: key, a: x, b: y, change: change)
        }
        return (params, metrics)
    }

    /// A metric value for the table: `-` when absent, NaN and infinities by name.
    public static func text(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.6g", value)
    }

    /// A metric value in JSON: a number, or the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
    public static func json(_ value: Double?) -> Value {
        guard let value else { return .null }
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value > 0 ? "Infinity" : "-Infinity") }
        return .double(value)
    }

    /// UTC time of milliseconds since 1970, to the second.
    public static func time(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
