import Foundation
import Synchronization

/// The counters behind `GET /metrics`, in Prometheus text format: requests by route and status, a latency
/// histogram by route, and predictions by label, each carrying the model's name, version and digest.
final class ServerMetrics: Sendable {
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct State {
        var requests: [String: [Int: Int]] = [:]
        /// Each route's histogram, by its position in `latency`.
        var routes: [String: Int] = [:]
        var latency: [(counts: [Int], sum: Double, count: Int)] = []
        var predictions: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private let modelLabels: String

    init(model: ServedModel) {
        modelLabels = "model=\"\(ServerMetrics.escape(model.name))\",version=\"\(ServerMetrics.escape(model.version))\",digest=\"sha256:\(model.digest)\""
    }

    /// Counts a request by route and status and its time; and, when given, its predictions by label (in the
    /// same lock, for the answers made on the event loop).
    func record(route: String, status: Int, seconds: Double, predicted labels: [(label: String, count: Int)] = []) {
        state.withLock { s in
            for (label, n) in labels { s.predictions[label, default: 0] += n }
            s.requests[route, default: [:]][status, default: 0] += 1
            let r: Int
            if let known = s.routes[route] { r = known } else {
                r = s.latency.count
                s.routes[route] = r
                s.latency.append((Array(repeating: 0, count: ServerMetrics.buckets.count), 0, 0))
            }
            // Updated in place: no copy of the bucket counts per request.
            for (k, bound) in ServerMetrics.buckets.enumerated() where seconds <= bound { s.latency[r].counts[k] += 1 }
            s.latency[r].sum += seconds
            s.latency[r].count += 1
        }
    }

    func predicted(_ labels: [(label: String, count: Int)]) {
        state.withLock { s in for (label, n) in labels { s.predictions[label, default: 0] += n } }
    }

    /// Requests answered so far, every route and status.
    var answered: Int { state.withLock { $0.latency.reduce(0) { $0 + $1.count } } }

    var text: String {
        let s = state.withLock { $0 }
        var out = "# HELP proj_model_info The served bundle.\n# TYPE proj_model_info gauge\nproj_model_info{\(modelLabels)} 1\n"
        out += "# HELP proj_requests_total HTTP requests by route and status.\n# TYPE proj_requests_total counter\n"
        for route in s.requests.keys.sorted() {
            for (status, n) in s.requests[route]!.sorted(by: { $0.key < $1.key }) {
                out += "proj_requests_total{route=\"\(ServerMetrics.escape(route))\",status=\"\(status)\",\(modelLabels)} \(n)\n"
            }
        }
        out += "# HELP proj_request_duration_seconds Time from request head to response, by route.\n# TYPE proj_request_duration_seconds histogram\n"
        for route in s.routes.keys.sorted() {
            let h = s.latency[s.routes[route]!], r = "route=\"\(ServerMetrics.escape(route))\""
            for (bound, n) in zip(ServerMetrics.buckets, h.counts) { out += "proj_request_duration_seconds_bucket{\(r),le=\"\(bound)\"} \(n)\n" }
            out += "proj_request_duration_seconds_bucket{\(r),le=\"+Inf\"} \(h.count)\n"
            out += "proj_request_duration_seconds_sum{\(r)} \(String(format: "%.6f", h.sum))\nproj_request_duration_seconds_count{\(r)} \(h.count)\n"
        }
        out += "# HELP proj_predictions_total Rows predicted, by predicted label.\n# TYPE proj_predictions_total counter\n"
        for (label, n) in s.predictions.sorted(by: { $0.key < $1.key }) {
            out += "proj_predictions_total{label=\"\(ServerMetrics.escape(label))\",\(modelLabels)} \(n)\n"
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
