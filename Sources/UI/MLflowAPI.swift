import Foundation
import Tracking
import YAML

/// The part of MLflow's tracking REST API (`/api/2.0/mlflow/...`) that the `mlflow` Python client uses to
/// log runs and read them back, answered from proj's run history: experiments get-by-name, create and get;
/// runs create, get, update, search, log-batch, log-metric, log-parameter and set-tag; metrics get-history.
/// Errors have MLflow's shape, `{"error_code": ..., "message": ...}`, with its status codes.
public struct MLflowAPI: Sendable {
    public let store: TrackingStore

    public init(store: TrackingStore) { self.store = store }

    /// An answer: the HTTP status and the JSON body.
    public struct Answer: Sendable {
        public var status: Int
        public var body: Value
    }

    /// An error in MLflow's terms.
    struct Failure: Error {
        var status: Int
        var code: String
        var message: String

        static func invalid(_ message: String) -> Failure { Failure(status: 400, code: "INVALID_PARAMETER_VALUE", message: message) }
        static func missing(_ message: String) -> Failure { Failure(status: 404, code: "RESOURCE_DOES_NOT_EXIST", message: message) }

        init(status: Int, code: String, message: String) {
            self.status = status
            self.code = code
            self.message = message
        }

        init(_ error: TrackingError) {
            switch error {
            case .notFound(let m): self.init(status: 404, code: "RESOURCE_DOES_NOT_EXIST", message: m)
            case .exists(let m): self.init(status: 400, code: "RESOURCE_ALREADY_EXISTS", message: m)
            case .invalid(let m): self.init(status: 400, code: "INVALID_PARAMETER_VALUE", message: m)
            case .store(let m): self.init(status: 503, code: "TEMPORARILY_UNAVAILABLE", message: m)
            }
        }
    }

    /// The endpoints, by path under `/api/2.0/mlflow/`, and the method each takes.
    static let endpoints: [String: String] = [
        "experiments/get-by-name": "GET", "experiments/get": "GET", "experiments/create": "POST",
        "runs/create": "POST", "runs/get": "GET", "runs/update": "POST", "runs/search": "POST", "runs/log-batch": "POST",
        "runs/log-metric": "POST", "runs/log-parameter": "POST", "runs/set-tag": "POST", "metrics/get-history": "GET",
    ]

    /// Answers one request: `endpoint` is the path after `/api/2.0/mlflow/`, `query` the URL's parameters,
    /// `body` the JSON body's bytes (POST).
    public func answer(method: String, endpoint: String, query: [String: String], body: [UInt8]) -> Answer {
        do {
            guard let expected = MLflowAPI.endpoints[endpoint] else {
                throw Failure(status: 404, code: "ENDPOINT_NOT_FOUND", message: "no MLflow endpoint '\(endpoint)' here (proj answers \(MLflowAPI.endpoints.keys.sorted().joined(separator: ", ")))")
            }
            guard method == expected || (expected == "GET" && method == "HEAD") else {
                throw Failure(status: 405, code: "BAD_REQUEST", message: "\(endpoint) takes \(expected), not \(method)")
            }
            let input = expected == "GET" ? Value.map(query.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) }) : try MLflowAPI.parse(body)
            return Answer(status: 200, body: try route(endpoint, Request(input)))
        } catch let failure as Failure {
            return Answer(status: failure.status, body: .map([.init("error_code", .string(failure.code)), .init("message", .string(failure.message))]))
        } catch {
            return Answer(status: 500, body: .map([.init("error_code", .string("INTERNAL_ERROR")), .init("message", .string("\(error)"))]))
        }
    }

    static func parse(_ body: [UInt8]) throws(Failure) -> Value {
        guard !body.isEmpty else { return .map([]) }
        do {
            let value = try JSONParser.parse(body, maxDepth: 16, nonFinite: true)
            guard case .map = value else { throw Failure.invalid("the request body must be a JSON object") }
            return value
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.invalid("the request body is not JSON: \(error)")
        }
    }

    func route(_ endpoint: String, _ r: Request) throws -> Value {
        do {
            switch endpoint {
            case "experiments/get-by-name":
                let name = try r.string("experiment_name")
                guard let experiment = try store.experiment(named: name) else { throw Failure.missing("no experiment named '\(name)'") }
                return .map([.init("experiment", MLflowShapes.experiment(experiment))])
            case "experiments/get":
                let experiment = try experiment(r.string("experiment_id"))
                return .map([.init("experiment", MLflowShapes.experiment(experiment))])
            case "experiments/create":
                return .map([.init("experiment_id", .string(String(try store.createExperiment(try r.string("name")))))])
            case "runs/create":
                let experiment = try experiment(r.optionalString("experiment_id") ?? "0")
                let started = try r.optionalInt("start_time") ?? TrackingStore.nowMs
                let tags = try r.pairs("tags")
                let name = try r.optionalString("run_name") ?? tags.first { $0.key == "mlflow.runName" }?.value ?? ""
                let id = try store.createRun(NewRun(experiment: experiment.name, name: name, source: "api", startedMs: started,
                                                    gitRevision: tags.first { $0.key == "mlflow.source.git.commit" }?.value, gitDirty: nil,
                                                    host: Liveness.host, pid: 0))
                if !tags.isEmpty { try store.setTags(id, tags) }
                return .map([.init("run", try run(id))])
            case "runs/get":
                return .map([.init("run", try run(try r.runID()))])
            case "runs/update":
                let id = try r.runID()
                let status = try r.optionalString("status").map { text throws(Failure) -> RunStatus in
                    guard let status = MLflowShapes.status(text) else { throw Failure.invalid("status '\(text)' is not one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED") }
                    return status
                }
                try store.updateRun(id, status: status, endedMs: try r.optionalInt("end_time"), name: try r.optionalString("run_name"))
                guard let detail = try store.run(id) else { throw Failure.missing("no run '\(id)'") }
                return .map([.init("run_info", MLflowShapes.info(detail.summary))])
            case "runs/search":
                return try search(r)
            case "runs/log-batch":
                // Everything is read and checked before anything is written, then written in one transaction.
                try store.logBatch(try r.runID(), params: try r.pairs("params"), metrics: try r.metrics("metrics"), tags: try r.pairs("tags"))
                return .map([])
            case "runs/log-metric":
                let id = try r.runID()
                try store.logMetrics(id, [try Request.metric(r.value)])
                return .map([])
            case "runs/log-parameter":
                try store.logParams(try r.runID(), [(try r.string("key"), try r.string("value"))])
                return .map([])
            case "runs/set-tag":
                try store.setTags(try r.runID(), [(try r.string("key"), try r.string("value"))])
                return .map([])
            case "metrics/get-history":
                let id = try r.runID(), key = try r.string("metric_key")
                return .map([.init("metrics", .list(try store.history(id, key: key).map(MLflowShapes.metric)))])
            default:
                throw Failure.missing("no endpoint '\(endpoint)'")
            }
        } catch let error as TrackingError {
            throw Failure(error)
        }
    }

    func experiment(_ id: String) throws -> ExperimentRecord {
        guard let number = Int64(id) else { throw Failure.invalid("experiment_id '\(id)' is not an experiment id") }
        guard let experiment = try store.experiment(id: number) else { throw Failure.missing("no experiment with id \(id)") }
        return experiment
    }

    func run(_ id: String) throws -> Value {
        guard let detail = try store.run(id) else { throw Failure.missing("no run '\(id)'") }
        return MLflowShapes.run(detail.summary)
    }

    /// Runs of the given experiments, newest first, a page at a time (`page_token` is where the page starts),
    /// those a filter string names (`RunFilter`) when one is given.
    func search(_ r: Request) throws -> Value {
        let ids = try r.strings("experiment_ids").map { text throws(Failure) -> Int64 in
            guard let id = Int64(text) else { throw Failure.invalid("experiment id '\(text)' is not a number") }
            return id
        }
        let filter: RunFilter?
        do { filter = try RunFilter.given(try r.optionalString("filter")) } catch let failure as RunFilter.Failure { throw Failure.invalid(failure.message) }
        let limit = try r.optionalInt("max_results").map(Int.init) ?? 1000
        guard (1...50_000).contains(limit) else { throw Failure.invalid("max_results must be 1 to 50000") }
        let offset = try r.optionalString("page_token").map { token throws(Failure) -> Int in
            guard let n = Int(token), n >= 0 else { throw Failure.invalid("page_token '\(token)' was not given by this server") }
            return n
        } ?? 0
        var runs: [RunSummary]
        if let filter {
            // The matching runs carry only the keys the filter reads; the page is read in full.
            let all = try filter.matching(store, experimentIDs: ids)
            runs = try store.runs(ids: all.dropFirst(offset).prefix(limit + 1).map(\.id))
        } else {
            runs = try store.runs(experimentIDs: ids, limit: limit + 1, offset: offset)
        }
        var out: [Value.Entry] = [.init("runs", .list(runs.prefix(limit).map(MLflowShapes.run)))]
        if runs.count > limit { out.append(.init("next_page_token", .string(String(offset + limit)))) }
        return .map(out)
    }
}
