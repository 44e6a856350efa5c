import Foundation
import Testing
import Tracking
@testable import UI
import YAML

/// MLflow's REST API as proj answers it, called directly: the shapes the mlflow client reads, and bad input
/// answered in MLflow's error shape without touching the history.
@Suite struct MLflowAPITests {
    static func api() throws -> MLflowAPI {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proj-ui-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return MLflowAPI(store: try TrackingStore(path: dir + "/t.db"))
    }

    static func post(_ api: MLflowAPI, _ endpoint: String, _ json: String) -> MLflowAPI.Answer {
        api.answer(method: "POST", endpoint: endpoint, query: [:], body: Array(json.utf8))
    }

    @Test func aRunIsLoggedAndReadBack() throws {
        let api = try Self.api()
        var a = Self.post(api, "experiments/create", #"{"name": "keras"}"#)
        #expect(a.status == 200)
        let experiment = try #require(a.body["experiment_id"]?.string)
        a = api.answer(method: "GET", endpoint: "experiments/get-by-name", query: ["experiment_name": "keras"], body: [])
        #expect(a.body["experiment"]?["experiment_id"]?.string == experiment && a.body["experiment"]?["name"]?.string == "keras")
        a = Self.post(api, "runs/create", #"{"experiment_id": "\#(experiment)", "start_time": 1700000000000, "tags": [{"key": "mlflow.runName", "value": "epochs"}]}"#)
        #expect(a.status == 200, "\(a.body)")
        let run = try #require(a.body["run"]?["info"]?["run_id"]?.string)
        #expect(a.body["run"]?["info"]?["run_name"]?.string == "epochs" && a.body["run"]?["info"]?["status"]?.string == "RUNNING")
        a = Self.post(api, "runs/log-batch", """
            {"run_id": "\(run)", "params": [{"key": "lr", "value": "0.01"}],
             "metrics": [{"key": "loss", "value": 0.9, "timestamp": 1, "step": 0}, {"key": "loss", "value": "NaN", "timestamp": 2, "step": 1},
                         {"key": "acc", "value": 1, "timestamp": 2, "step": 1}],
             "tags": [{"key": "team", "value": "ml"}]}
            """)
        #expect(a.status == 200 && a.body == .map([]), "\(a.body)")
        #expect(Self.post(api, "runs/log-metric", #"{"run_id": "\#(run)", "key": "loss", "value": 0.5, "timestamp": 3, "step": 2}"#).status == 200)
        #expect(Self.post(api, "runs/update", #"{"run_id": "\#(run)", "status": "FINISHED", "end_time": 1700000001000}"#).body["run_info"]?["status"]?.string == "FINISHED")
        a = api.answer(method: "GET", endpoint: "metrics/get-history", query: ["run_id": run, "metric_key": "loss"], body: [])
        let history = try #require(a.body["metrics"].flatMap { if case .list(let items) = $0 { items } else { nil } })
        #expect(history.map { $0["step"] } == [.int(0), .int(1), .int(2)])
        #expect(history[1]["value"] == .string("NaN") && history[2]["value"] == .double(0.5))
        a = Self.post(api, "runs/search", #"{"experiment_ids": ["\#(experiment)"], "max_results": 10}"#)
        guard case .list(let runs)? = a.body["runs"] else { Issue.record("no runs in \(a.body)"); return }
        #expect(runs.count == 1 && runs[0]["info"]?["end_time"] == .int(1_700_000_001_000))
        #expect(runs[0]["data"]?["params"] == .list([.map([.init("key", .string("lr")), .init("value", .string("0.01"))])]))
    }

    @Test func searchFiltersPickRunsByMetricsParamsTagsAndAttributes() throws {
        let api = try Self.api()
        var ids: [String] = []
        for (k, (lr, acc, team)) in [("0.1", 0.91, "vision"), ("0.01", 0.95, "nlp"), ("0.001", 0.80, "vision")].enumerated() {
            let id = try #require(Self.post(api, "runs/create", #"{"run_name": "r\#(k)", "start_time": \#(1000 + k)}"#).body["run"]?["info"]?["run_id"]?.string)
            #expect(Self.post(api, "runs/log-batch", """
                {"run_id": "\(id)", "params": [{"key": "lr", "value": "\(lr)"}], "metrics": [{"key": "val acc", "value": \(acc)}],
                 "tags": [{"key": "team", "value": "\(team)"}]}
                """).status == 200)
            ids.append(id)
        }
        _ = Self.post(api, "runs/update", #"{"run_id": "\#(ids[2])", "status": "FAILED"}"#)
        func names(_ filter: String) -> [String] {
            let a = Self.post(api, "runs/search", #"{"experiment_ids": ["0"], "filter": "\#(filter)"}"#)
            guard case .list(let runs)? = a.body["runs"] else { Issue.record("\(filter): \(a.body)"); return [] }
            return runs.compactMap { $0["info"]?["run_name"]?.string }
        }
        #expect(names("metrics.`val acc` > 0.9") == ["r1", "r0"])
        #expect(names("metrics.`val acc` >= 0.8 and tags.team = 'vision'") == ["r2", "r0"])
        #expect(names("params.lr = '0.01'") == ["r1"])
        #expect(names("attributes.status = 'FAILED'") == ["r2"])
        #expect(names("attributes.run_name LIKE 'r%' AND attributes.start_time < 1002") == ["r1", "r0"])
        #expect(names("tags.team ILIKE 'VIS%'") == ["r2", "r0"])
        #expect(names("params.missing = 'x'") == [])
        let page = Self.post(api, "runs/search", #"{"experiment_ids": ["0"], "filter": "tags.team != 'nlp'", "max_results": 1}"#)
        #expect(page.body["next_page_token"]?.string == "1")
    }

    @Test func aRunWithoutAnExperimentGoesToDefault() throws {
        let api = try Self.api()
        let a = Self.post(api, "runs/create", "{}")
        #expect(a.status == 200 && a.body["run"]?["info"]?["experiment_id"]?.string == "0", "\(a.body)")
        #expect(api.answer(method: "GET", endpoint: "experiments/get", query: ["experiment_id": "0"], body: []).body["experiment"]?["name"]?.string == "Default")
    }

    @Test func badRequestsGetMLflowsErrorShapeAndChangeNothing() throws {
        let api = try Self.api()
        let cases: [(String, String, Int, String)] = [
            ("runs/create", "{not json", 400, "INVALID_PARAMETER_VALUE"),
            ("runs/create", "[1, 2]", 400, "INVALID_PARAMETER_VALUE"),
            ("runs/create", #"{"experiment_id": "999"}"#, 404, "RESOURCE_DOES_NOT_EXIST"),
            ("runs/create", #"{"experiment_id": "x1"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/log-metric", #"{"run_id": "nope", "key": "a", "value": 1}"#, 404, "RESOURCE_DOES_NOT_EXIST"),
            ("runs/log-metric", #"{"key": "a", "value": 1}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("experiments/create", #"{"name": ""}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/search", #"{"experiment_ids": ["0"], "filter": "metrics.acc > 'high'"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/search", #"{"experiment_ids": ["0"], "filter": "params.lr < '1'"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/search", #"{"experiment_ids": ["0"], "filter": "metrics.acc > 0.5 or metrics.b > 1"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/search", #"{"experiment_ids": ["0"], "filter": "params.`lr = '1'"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/search", #"{"experiment_ids": ["0"], "filter": "attributes.artifact_uri = 'x'"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/search", #"{"experiment_ids": ["0"], "page_token": "abc"}"#, 400, "INVALID_PARAMETER_VALUE"),
            ("runs/nothing", "{}", 404, "ENDPOINT_NOT_FOUND"),
            ("runs/create", String(repeating: "[", count: 100_000), 400, "INVALID_PARAMETER_VALUE"),
        ]
        for (endpoint, body, status, code) in cases {
            let a = Self.post(api, endpoint, body)
            #expect(a.status == status && a.body["error_code"]?.string == code, "\(endpoint) \(body.prefix(40)): \(a.status) \(a.body)")
            #expect(a.body["message"]?.string?.isEmpty == false)
        }
        #expect(api.answer(method: "GET", endpoint: "runs/create", query: [:], body: []).status == 405)
        #expect(Self.post(api, "experiments/create", #"{"name": "x"}"#).status == 200)
        #expect(Self.post(api, "experiments/create", #"{"name": "x"}"#).body["error_code"]?.string == "RESOURCE_ALREADY_EXISTS")

        // Hostile names and values are refused whole: nothing of the batch lands.
        let run = try #require(Self.post(api, "runs/create", #"{"experiment_id": "1"}"#).body["run"]?["info"]?["run_id"]?.string)
        for bad in [#""../../etc""#, #""a\u0000b""#, #""\#(String(repeating: "k", count: 251))""#, #""""#, #""tab\there""#] {
            let a = Self.post(api, "runs/log-batch", #"{"run_id": "\#(run)", "params": [{"key": "p", "value": "1"}], "tags": [{"key": "t", "value": "x"}], "metrics": [{"key": "ok", "value": 1}, {"key": \#(bad), "value": 2}]}"#)
            #expect(a.status == 400 && a.body["error_code"]?.string == "INVALID_PARAMETER_VALUE", "\(bad): \(a.body)")
        }
        let a = Self.post(api, "runs/log-batch", #"{"run_id": "\#(run)", "metrics": [{"key": "v", "value": "many"}]}"#)
        #expect(a.status == 400)
        let detail = try #require(try api.store.run(run))
        #expect(detail.summary.metrics.isEmpty && detail.summary.params.isEmpty && detail.summary.tags.isEmpty)
    }
}
