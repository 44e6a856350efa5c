import Foundation
import Synchronization
import Testing

/// `proj serve` as a real process on an ephemeral 127.0.0.1 port, spoken to over real HTTP.
@Suite struct ServeTests {
    /// One trained, bundled project (the ML pipeline's slice), built once for every test here.
    static let fixture: Result<String, any Error> = Result {
        let p = try MLPipelineTests().project(rows: 600)
        var r = try p.proj("repro")
        guard r.code == 0 else { throw FixtureError(text: r.err) }
        r = try p.proj("bundle")
        guard r.code == 0 else { throw FixtureError(text: r.err) }
        return p.root
    }

    struct FixtureError: Error { var text: String }

    func project() throws -> TempProject {
        var p = try TempProject([:])
        let root = try Self.fixture.get()
        try? FileManager.default.removeItem(atPath: p.root)
        try FileManager.default.copyItem(atPath: root, toPath: p.root)
        p.environment = projEnvironment(p)
        return p
    }

    struct Server {
        let running: TempProject.Running
        let http: RawHTTP
        func stop() -> Int32 {
            if running.process.isRunning { running.process.terminate() }
            running.process.waitUntilExit()
            return running.process.terminationStatus
        }
    }

    func serve(_ p: TempProject, _ extra: [String] = [], bundle: String = "bundles/detector-1.0.0.tar") throws -> Server {
        let running = try p.start(["serve", bundle, "--port", "0"] + extra)
        var port: Int?
        _ = eventually(30) {
            if let line = running.output().split(separator: "\n").first(where: { $0.hasPrefix("ready:") }),
               let range = line.range(of: "127.0.0.1:") {
                port = Int(line[range.upperBound...].prefix { $0.isNumber })
            }
            return port != nil || !running.process.isRunning
        }
        guard let port else { throw FixtureError(text: "no ready line: \(running.output()) \(running.errors())") }
        return Server(running: running, http: RawHTTP(port: port))
    }

    /// The first rows of the test split as JSON objects of the schema's inputs.
    func instances(_ p: TempProject, _ n: Int) throws -> (columns: [String], rows: [[String: Any]], csv: String) {
        let schema = p.read("models/schema.yaml") ?? ""
        let inputs = schema.components(separatedBy: "output:")[0]
        let columns = inputs.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("type: double"), let r = line.range(of: "name: ") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != "," })
        }
        // Rows whose URL needs no CSV quoting, so a plain split reads them.
        let lines = (p.read("data/test.csv") ?? "").split(separator: "\n").filter { !$0.contains("\"") }.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let rows = lines[1...n].map { line in
            Dictionary(uniqueKeysWithValues: columns.map { c in (c, Double(line[header.firstIndex(of: c)!]) as Any) })
        }
        let csv = ([columns] + lines[1...n].map { line in columns.map { line[header.firstIndex(of: $0)!] } }).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        return (columns, rows, csv)
    }

    /// Requests with bodies over 64 KiB (here 100 and 1000 rows) are scored by the arrival-order queue: the same answers as `proj predict`,
    /// on every prediction route; under a burst with room for one waiting, each request is answered 200 or
    /// refused at once with 503, Retry-After and a message naming --queue, never dropped.
    @Test func largeRequestsGoThroughTheQueueAndABurstIsAnsweredOrRefused() throws {
        let p = try project()
        let (_, rows, csv) = try instances(p, 100)
        try p.write("rows.csv", csv)
        let predicted = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "rows.csv", "--format", "jsonl")
        #expect(predicted.code == 0, "\(predicted.err)")
        let expected = predicted.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let server = try serve(p, ["--queue", "1", "--threads", "1"])
        defer { _ = server.stop() }
        for path in ["/v1/predict", "/invocations", "/v1/models/detector:predict"] {
            let answer = server.http.post(path, ["instances": rows])
            #expect(answer?.status == 200, "\(path): \(answer?.body ?? "")")
            let list = (answer?.json as? [String: Any])?["predictions"] as? [[String: Any]] ?? []
            #expect(list.count == 100 && expected.count == 100, "\(path)")
            for (a, b) in zip(list, expected) {
                #expect(a["label"] as? String != nil && a["label"] as? String == b["label"] as? String, "\(path)")
                #expect(abs((a["probability"] as? Double ?? -1) - (b["probability"] as? Double ?? -2)) < 1e-9, "\(path)")
            }
        }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["instances": Array(repeating: rows, count: 10).flatMap { $0 }]), as: UTF8.self)
        let replies = Mutex<[RawHTTP.Reply?]>([])
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            let reply = server.http.request("POST", "/v1/predict", body: body)
            replies.withLock { $0.append(reply) }
        }
        let all = replies.withLock { $0 }
        #expect(all.count == 12 && all.allSatisfy { $0?.status == 200 || $0?.status == 503 }, "\(all.map { $0?.status ?? 0 })")
        #expect(all.contains { $0?.status == 200 })
        for refused in all where refused?.status == 503 {
            #expect(Int(refused?.headers["retry-after"] ?? "") ?? 0 >= 1, "\(refused?.headers ?? [:])")
            let message = (refused?.json as? [String: Any])?["error"] as? String ?? ""
            #expect(message.hasPrefix("the server is busy: 1 large requests are waiting (--queue 1); retry after "), "\(message)")
        }
    }

    /// Resident memory of a process, in KiB (VmRSS), or nil when it has ended.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// A burst of large requests grows the server's heap (their bodies and rows); once it has been quiet for a
    /// moment, the server gives that memory back rather than staying the burst's size while idle.
    @Test func aBurstsMemoryIsGivenBackOnceTheServerIsQuiet() throws {
        let p = try project()
        let (columns, rows, _) = try instances(p, 100)
        let server = try serve(p)
        defer { _ = server.stop() }
        let pid = server.running.process.processIdentifier
        #expect(server.http.request("GET", "/ping", contentType: nil)?.status == 200)
        let ready = try #require(Self.residentKiB(pid))
        // 64 clients at once, each with four 600-row bodies of about 240 KiB (below the size glibc maps on its
        // own, so they come from its heaps).
        let body = Self.split(columns, rows: Array(repeating: rows, count: 6).flatMap { $0 })
        let statuses = Mutex<[Int]>([])
        // A thread per client (a dispatch pool would run only as many at once as there are cores).
        let done = DispatchGroup()
        for _ in 0..<64 {
            done.enter()
            Thread {
                for _ in 0..<4 {
                    let status = server.http.request("POST", "/invocations", body: body)?.status ?? 0
                    statuses.withLock { $0.append(status) }
                }
                done.leave()
            }.start()
        }
        done.wait()
        let answered = statuses.withLock { $0 }
        #expect(answered.count == 256 && answered.allSatisfy { $0 == 200 || $0 == 503 } && answered.contains(200), "\(answered)")
        let afterBurst = try #require(Self.residentKiB(pid))
        // The burst must have grown the process, or this test shows nothing; once quiet, it gives back at least
        // half of that growth (it keeps all of it when nothing returns the freed pages).
        #expect(afterBurst > ready + 3 << 10, "ready \(ready) KiB, after the burst \(afterBurst) KiB")
        let goal = ready + (afterBurst - ready) / 2
        var quiet = afterBurst
        _ = eventually(15) {
            quiet = Self.residentKiB(pid) ?? quiet
            return quiet < goal
        }
        #expect(quiet < goal, "ready \(ready) KiB, after the burst \(afterBurst) KiB, quiet \(quiet) KiB")
        #expect(server.http.request("GET", "/ping", contentType: nil)?.status == 200)
    }

    @Test func threadsComeFromTheOptionOrTheCPUsThisProcessMayUse() throws {
        let p = try project()
        let one = try serve(p, ["--threads", "1"])
        defer { _ = one.stop() }
        #expect(one.running.output().contains(" ms, 1 thread)\n"), "\(one.running.output())")
        #expect(one.http.request("GET", "/ping", contentType: nil)?.status == 200)
        #expect(one.stop() == 0)
        // Pinned to one CPU with taskset, the default is one thread, whatever the machine has.
        let pinned = try p.start(["serve", "bundles/detector-1.0.0.tar", "--port", "0"], pinnedToCPU: 0)
        defer { if pinned.process.isRunning { pinned.process.terminate() }; pinned.process.waitUntilExit() }
        #expect(eventually(30) { pinned.output().contains("ready:") }, "\(pinned.errors())")
        #expect(pinned.output().contains(" ms, 1 thread)\n"), "\(pinned.output())")
        let r = try p.proj("serve", "bundles/detector-1.0.0.tar", "--threads", "0")
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("Error: --threads must be 1 to 1024\n"))
        let noQueue = try p.proj("serve", "bundles/detector-1.0.0.tar", "--queue", "0")
        #expect(noQueue.code == 2)
        #expect(noQueue.err.hasPrefix("Error: --max-body, --max-rows, --request-timeout, --idle-timeout and --queue must be positive\n"), "\(noQueue.err)")
    }

    @Test func predictReadsCSVStrictlyAndWritesNothingOnError() throws {
        let p = try project()
        let (_, _, csv) = try instances(p, 2)
        let lines = csv.split(separator: "\n").map(String.init)
        let header = lines[0], row = lines[1]
        let cases: [(String, [UInt8], String)] = [
            ("unterminated.csv", Array((header + "\n" + row + "\n\"" + row + "\n").utf8), "line 3: a quoted field opened on this line is never closed"),
            ("not-utf8.csv", Array((header + "\n").utf8) + [0xFF] + Array(row.dropFirst().utf8) + [0x0A], "line 2: not valid UTF-8"),
            ("duplicate.csv", Array((header + "," + header.split(separator: ",")[0] + "\n" + row + ",1\n").utf8), "line 1: the header repeats the column '\(header.split(separator: ",")[0])'"),
            ("blank.csv", Array((header + "\n" + row + "\n\n" + row + "\n").utf8), "line 3: blank line (a record needs at least one field; remove the line)"),
        ]
        for (name, bytes, message) in cases {
            try Data(bytes).write(to: URL(fileURLWithPath: p.root + "/" + name))
            let r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", name, "--output", "out-" + name)
            #expect(r.code == 1, "\(name): \(r.err)")
            #expect(r.err == "Error: \(name): \(message)\n", "\(name)")
            #expect(!p.exists("out-" + name), "\(name): an output was written")
            #expect(try FileManager.default.contentsOfDirectory(atPath: p.root).filter { $0.contains(".proj-tmp-") }.isEmpty)
        }
        // A UTF-8 byte order mark is skipped: the same answers as without it.
        try Data([0xEF, 0xBB, 0xBF] + Array(csv.utf8)).write(to: URL(fileURLWithPath: p.root + "/bom.csv"))
        try p.write("plain.csv", csv)
        let bom = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "bom.csv")
        let plain = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "plain.csv")
        #expect(bom.code == 0, "\(bom.err)")
        #expect(bom.out == plain.out && !plain.out.isEmpty)
    }

    @Test func headIsAnsweredWhereverGetIsAndUnknownExpectationsGet417() throws {
        let p = try project()
        let server = try serve(p)
        defer { _ = server.stop() }
        let http = server.http
        for path in ["/ping", "/health", "/v1/schema", "/v1/metadata", "/metrics", "/v2", "/v2/models/detector", "/v1/models/detector"] {
            let get = try #require(http.request("GET", path, contentType: nil))
            let head = try #require(http.request("HEAD", path, contentType: nil))
            #expect(head.status == get.status, "HEAD \(path)")
            #expect(head.body.isEmpty, "HEAD \(path) sent a body")
            #expect(head.headers["content-type"] == get.headers["content-type"], "HEAD \(path)")
            if path != "/metrics" { #expect(head.headers["content-length"] == String(get.body.utf8.count), "HEAD \(path)") }
        }
        #expect(http.request("HEAD", "/nope", contentType: nil)?.status == 404)

        let (_, rows, _) = try instances(p, 1)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["rows": rows]), as: UTF8.self)
        for path in ["/v1/predict", "/invocations", "/v1/schema"] {
            let reply = http.request(path == "/v1/schema" ? "GET" : "POST", path, body: body, extraHeaders: ["Expect: something-else"])
            #expect(reply?.status == 417, "\(path): \(reply?.status ?? 0)")
            #expect((reply?.json as? [String: Any])?["error"] as? String == "unsupported Expect: something-else (only 100-continue is known)"
                    || (reply?.json as? [String: Any])?["message"] as? String == "unsupported Expect: something-else (only 100-continue is known)", "\(path): \(reply?.body ?? "")")
        }
    }

    /// Answers name the class (the training data's `phishing`/`legitimate`), with the positive class's
    /// probability; `--label-index` asks for the index instead, and the schema served says so.
    @Test func labelsAreClassNamesUnlessTheIndexIsAsked() throws {
        let p = try project()
        let schema = p.read("models/schema.yaml") ?? ""
        #expect(schema.contains("- {name: label, type: string, values: [legitimate, phishing]}"), "\(schema)")
        let (_, rows, csv) = try instances(p, 4)
        try p.write("rows.csv", csv)
        let named = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "rows.csv")
        let indexed = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "rows.csv", "--label-index")
        #expect(named.code == 0 && indexed.code == 0, "\(named.err)\(indexed.err)")
        let namedLines = named.out.split(separator: "\n").dropFirst(), indexedLines = indexed.out.split(separator: "\n").dropFirst()
        #expect(namedLines.count == 4 && indexedLines.count == 4)
        for (a, b) in zip(namedLines, indexedLines) {
            let (la, pa) = (a.split(separator: ",")[0], a.split(separator: ",")[1]), (lb, pb) = (b.split(separator: ",")[0], b.split(separator: ",")[1])
            #expect(["legitimate", "phishing"].contains(la) && lb == (la == "phishing" ? "1" : "0") && pa == pb, "\(a) / \(b)")
            #expect((Double(pa) ?? -1) >= 0.5 ? la == "phishing" : la == "legitimate", "\(a)")
        }

        let server = try serve(p, ["--label-index"])
        defer { _ = server.stop() }
        let answer = server.http.post("/v1/predict", ["instances": rows])?.json as? [String: Any]
        let labels = (answer?["predictions"] as? [[String: Any]])?.map { $0["label"] as? Int }
        #expect(labels == indexedLines.map { Int($0.split(separator: ",")[0]) }, "\(String(describing: answer))")
        let meta = server.http.request("GET", "/v2/models/detector", contentType: nil)?.json as? [String: Any]
        let outputs = meta?["outputs"] as? [[String: Any]]
        #expect(outputs?.first?["datatype"] as? String == "INT64", "\(String(describing: meta))")
    }

    @Test func everyEndpointAnswersAndPredictionsAreTheModels() throws {
        let p = try project()
        let server = try serve(p)
        defer { _ = server.stop() }
        let http = server.http
        let (columns, rows, csv) = try instances(p, 3)

        // What `proj predict` says for the same rows.
        try p.write("rows.csv", csv)
        let predicted = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "rows.csv", "--format", "jsonl")
        #expect(predicted.code == 0, "\(predicted.err)")
        let expected = predicted.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        func same(_ predictions: Any?, _ label: String) {
            guard let list = predictions as? [[String: Any]], list.count == expected.count else { Issue.record("\(label): \(String(describing: predictions))"); return }
            for (a, b) in zip(list, expected) {
                #expect(a["label"] as? String != nil && a["label"] as? String == b["label"] as? String, "\(label)")
                #expect(abs((a["probability"] as? Double ?? -1) - (b["probability"] as? Double ?? -2)) < 1e-9, "\(label)")
            }
        }

        var r = http.post("/v1/predict", ["instances": rows])
        #expect(r?.status == 200)
        let v1 = r?.json as? [String: Any]
        same(v1?["predictions"], "v1")
        #expect((v1?["model"] as? [String: Any])?["version"] as? String == "1.0.0")
        r = http.request("POST", "/v1/predict", body: csv, contentType: "text/csv")
        same((r?.json as? [String: Any])?["predictions"], "v1 csv")

        // MLflow's client (pandas DataFrame.to_json(orient="split") and orient="records").
        let data = rows.map { row in columns.map { row[$0]! } }
        r = http.post("/invocations", ["dataframe_split": ["index": [0, 1, 2], "columns": columns, "data": data]])
        #expect(r?.status == 200)
        same((r?.json as? [String: Any])?["predictions"], "mlflow split")
        r = http.post("/invocations", ["dataframe_records": rows])
        same((r?.json as? [String: Any])?["predictions"], "mlflow records")
        r = http.post("/invocations", ["inputs": Dictionary(uniqueKeysWithValues: columns.map { c in (c, rows.map { $0[c]! }) })])
        same((r?.json as? [String: Any])?["predictions"], "mlflow inputs")
        r = http.request("POST", "/invocations", body: csv, contentType: "text/csv")
        same((r?.json as? [String: Any])?["predictions"], "mlflow csv")
        #expect(http.request("GET", "/ping", contentType: nil)?.status == 200)

        // KServe v2: one tensor per column, and one [n, k] FP32 tensor of all inputs.
        let tensors = columns.map { c in ["name": c, "shape": [3], "datatype": "FP64", "data": rows.map { $0[c]! }] as [String: Any] }
        r = http.post("/v2/models/detector/infer", ["id": "req-1", "inputs": tensors])
        #expect(r?.status == 200)
        let v2 = r?.json as? [String: Any]
        #expect(v2?["id"] as? String == "req-1" && v2?["model_name"] as? String == "detector")
        let outputs = v2?["outputs"] as? [[String: Any]] ?? []
        #expect(outputs.map { $0["name"] as? String } == ["label", "probability"])
        same(zip(outputs.first?["data"] as? [String] ?? [], outputs.last?["data"] as? [Double] ?? []).map { ["label": $0, "probability": $1] }, "v2")
        r = http.post("/v2/models/detector/versions/1.0.0/infer", ["inputs": [["name": "input-0", "shape": [3, columns.count], "datatype": "FP64", "data": data]],
                                                                   "outputs": [["name": "probability"]]])
        #expect(r?.status == 200, "\(r?.body ?? "")")
        #expect(((r?.json as? [String: Any])?["outputs"] as? [[String: Any]])?.count == 1)
        #expect(http.request("GET", "/v2/health/live", contentType: nil)?.status == 200)
        #expect(http.request("GET", "/v2/health/ready", contentType: nil)?.status == 200)
        let meta = http.request("GET", "/v2/models/detector", contentType: nil)?.json as? [String: Any]
        #expect((meta?["inputs"] as? [Any])?.count == columns.count && meta?["versions"] as? [String] == ["1.0.0"])
        r = http.post("/v1/models/detector:predict", ["instances": rows])
        same((r?.json as? [String: Any])?["predictions"], "kserve v1")
        // KServe's v1 clients send rows as lists of values in the model's order, or TensorFlow Serving's columns.
        r = http.post("/v1/models/detector:predict", ["instances": data])
        same((r?.json as? [String: Any])?["predictions"], "kserve v1 rows of values")
        r = http.post("/v1/models/detector:predict", ["inputs": Dictionary(uniqueKeysWithValues: columns.map { c in (c, rows.map { $0[c]! }) })])
        same((r?.json as? [String: Any])?["predictions"], "kserve v1 columns")
        r = http.post("/v1/models/detector:predict", ["instances": [Array(data[0].dropLast())]])
        #expect(r?.status == 400 && r?.body.contains("must be a list of \(columns.count) values") == true, "\(r?.body ?? "")")
        r = http.post("/v1/models/detector:predict", ["rows": data])
        #expect(r?.status == 400 && r?.body.contains("exactly one of 'instances', 'inputs'") == true, "\(r?.body ?? "")")

        let schema = http.request("GET", "/v1/schema", contentType: nil)?.json as? [String: Any]
        #expect((schema?["input"] as? [Any])?.count == columns.count)
        let metadata = http.request("GET", "/v1/metadata", contentType: nil)?.json as? [String: Any]
        #expect((metadata?["digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect(((metadata?["provenance"] as? [String: Any])?["stages"] as? [String: Any])?["train"] != nil)
        let metrics = http.request("GET", "/metrics", contentType: nil)?.body ?? ""
        #expect(metrics.contains("proj_requests_total{route=\"/invocations\",status=\"200\""))
        #expect(metrics.contains("proj_request_duration_seconds_bucket{route=\"/v1/predict\",le=\"+Inf\"} 2"))
        #expect(metrics.contains("proj_predictions_total{label=\""))
        #expect(server.stop() == 0)
        #expect(server.running.output().contains("stopped: requests in flight finished"))
    }

    @Test func hostileRequestsGetA4xxNamingTheProblemAndTheServerStaysUp() throws {
        let p = try project()
        let server = try serve(p, ["--max-rows", "5", "--max-body", "20000"])
        defer { _ = server.stop() }
        let http = server.http
        let (columns, rows, _) = try instances(p, 1)
        var missing = rows[0]; missing.removeValue(forKey: columns[3])
        var extra = rows[0]; extra["evil"] = 1
        var text = rows[0]; text[columns[0]] = "abc"
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let cases: [(String, String, String?, String?, Int, String)] = [
            ("POST", "/v1/predict", "{\"instances\": [", "application/json", 400, "not valid JSON"),
            ("POST", "/v1/predict", deep, "application/json", 400, "nested deeper than 64"),
            ("POST", "/v1/predict", "{\"instances\": [], \"instances\": []}", "application/json", 400, "duplicate key"),
            ("POST", "/v1/predict", json(["instances": [missing]]), "application/json", 400, "missing feature '\(columns[3])'"),
            ("POST", "/v1/predict", json(["instances": [extra]]), "application/json", 400, "unknown feature 'evil'"),
            ("POST", "/v1/predict", json(["instances": [text]]), "application/json", 400, "instances[0].\(columns[0]): '\(columns[0])' should be double"),
            ("POST", "/v1/predict", json(["instances": Array(repeating: rows[0], count: 6)]), "application/json", 413, "at most 5 per request"),
            ("POST", "/v1/predict", json(["instances": []]), "application/json", 400, "holds no rows"),
            ("POST", "/v1/predict", json(["urls": ["http://a.com"]]), "application/json", 400, "takes feature rows"),
            ("POST", "/v1/predict", json(["rows": [rows[0]]]), "application/json", 400, "unknown key 'rows'"),
            ("POST", "/v1/predict", String(repeating: " ", count: 30000), "application/json", 413, "at most 20000"),
            ("POST", "/v1/predict", json(["instances": [rows[0]]]), "application/x-www-form-urlencoded", 415, "content type 'application/x-www-form-urlencoded'"),
            ("POST", "/v1/predict", "url,status\n", "text/csv", 400, "'csv' holds no rows"),
            ("POST", "/v1/predict", "\(columns[0]),status\n1,2\n", "text/csv", 400, "unknown feature 'status'"),
            ("POST", "/invocations", json(["instances": [rows[0]], "inputs": [rows[0]]]), "application/json", 400, "exactly one of"),
            ("POST", "/invocations", json(["dataframe_split": ["columns": columns, "data": [[1]]]]), "application/json", 400, "must be a list of \(columns.count) values"),
            ("POST", "/v2/models/other/infer", json(["inputs": []]), "application/json", 404, "model 'other' is not served here"),
            ("POST", "/v2/models/detector/versions/9.9.9/infer", json(["inputs": []]), "application/json", 404, "version '9.9.9'"),
            ("POST", "/v2/models/detector/infer", json(["inputs": [["name": columns[0], "shape": [2], "datatype": "FP64", "data": [1]]]]), "application/json", 400, "needs 2"),
            ("POST", "/v2/models/detector/infer", json(["inputs": [["name": columns[0], "shape": [1], "datatype": "BYTES", "data": ["x"]]]]), "application/json", 400, "datatype' is BYTES"),
            ("GET", "/v1/nothing", nil, nil, 404, "no route GET /v1/nothing"),
        ]
        for (method, path, body, type, status, message) in cases {
            let r = http.request(method, path, body: body, contentType: type)
            #expect(r?.status == status, "\(path) \(message): \(r?.status ?? 0) \(r?.body ?? "no reply")")
            #expect(r?.body.contains(message) == true, "\(path): expected '\(message)' in \(r?.body ?? "no reply")")
        }
        // A chunked body (no length said up front) that grows past --max-body while rows in the usual shape are
        // being gathered: handed to the router at once, which refuses it without waiting for the body's end
        // (never sent here).
        if let fd = http.connect() {
            let chunk = String(repeating: " ", count: 10000)
            var wire = "POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            for piece in ["{\"instances\": [", chunk, chunk, chunk] { wire += String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n" }
            RawHTTP.send(fd, Array(wire.utf8))
            let reply = RawHTTP.receive(fd)
            #expect(reply?.status == 413 && reply?.body.contains("over 20000 bytes") == true, "\(String(describing: reply))")
        }
        // MLflow's error shape on /invocations.
        let mlflow = http.request("POST", "/invocations", body: "{", contentType: "application/json")?.json as? [String: Any]
        #expect(mlflow?["error_code"] as? String == "BAD_REQUEST")
        // Garbage instead of HTTP, then a well-formed request still works.
        if let fd = http.connect() { RawHTTP.send(fd, Array("\u{01}GARBAGE / HTTP/9\r\n\r\n".utf8)); _ = RawHTTP.receive(fd) }
        #expect(http.request("GET", "/v2/health/live", contentType: nil)?.status == 200)
        let metrics = http.request("GET", "/metrics", contentType: nil)?.body ?? ""
        #expect(!metrics.contains("status=\"500\""))
        #expect(server.running.process.isRunning)
    }

    // JSON bodies written by hand, so the keys come in the order given.
    static func text(_ value: Any?, integral: Bool = false) -> String {
        if let s = value as? String { return "\"\(s)\"" }
        guard let d = value as? Double else { return "null" }
        if d.isNaN { return "NaN" }  // as Python's json writes them
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return integral && d == d.rounded() ? String(Int(d)) : "\(d)"
    }
    static func record(_ row: [String: Any], _ order: [String], integral: Bool = false) -> String {
        "{" + order.map { "\"\($0)\": \(text(row[$0], integral: integral))" }.joined(separator: ", ") + "}"
    }
    static func records(_ key: String, _ order: [String], integral: Bool = false, rows: [[String: Any]]) -> String {
        "{\"\(key)\": [" + rows.map { record($0, order, integral: integral) }.joined(separator: ", ") + "]}"
    }
    static func split(_ order: [String], rows: [[String: Any]]) -> String {
        let data = rows.map { row in "[" + order.map { text(row[$0]) }.joined(separator: ",") + "]" }.joined(separator: ",")
        return "{\"dataframe_split\": {\"index\": [\(rows.indices.map(String.init).joined(separator: ","))], \"columns\": [\(order.map { "\"\($0)\"" }.joined(separator: ","))], \"data\": [\(data)]}}"
    }

    /// Rows that list the features in the schema's order are read straight into cells; in any other order
    /// they take the full reader. Both must give the same answers byte for byte, and the same errors.
    @Test func rowsInTheSchemasOrderGetTheFullReadersAnswersAndErrors() throws {
        let p = try project()
        let server = try serve(p, ["--max-rows", "30"])
        defer { _ = server.stop() }
        let http = server.http
        let (columns, rows, _) = try instances(p, 20)
        func answer(_ path: String, _ body: String) -> String {
            let r = http.request("POST", path, body: body)
            #expect(r?.status == 200, "\(path): \(r?.body ?? "no reply")")
            return r?.body ?? ""
        }
        let reversed = Array(columns.reversed())
        var withNull = rows
        withNull[1][columns[2]] = nil as Double? as Any  // the schema's columns are nullable
        for path in ["/v1/predict", "/invocations", "/v1/models/detector:predict"] {
            let full = answer(path, Self.records("instances", reversed, rows: withNull))
            #expect(full.contains("\"predictions\":[{\"label\":"), "\(full)")
            #expect(answer(path, Self.records("instances", columns, rows: withNull)) == full, "\(path)")
            #expect(answer(path, Self.records("instances", columns, integral: true, rows: withNull)) == full, "\(path), integral values written as integers")
        }
        #expect(answer("/invocations", Self.split(columns, rows: rows)) == answer("/invocations", Self.split(reversed, rows: rows)))
        // MLflow's scoring client (Python's json) writes a missing float as a bare NaN: read as null, on either path.
        var withNaN = rows
        withNaN[1][columns[2]] = Double.nan
        #expect(Self.records("instances", columns, rows: withNaN).contains(": NaN"))
        for path in ["/v1/predict", "/invocations"] {
            let full = answer(path, Self.records("instances", columns, rows: withNull))
            #expect(answer(path, Self.records("instances", columns, rows: withNaN)) == full, "\(path)")
            #expect(answer(path, Self.records("instances", reversed, rows: withNaN)) == full, "\(path)")
        }
        #expect(answer("/invocations", Self.split(columns, rows: withNaN)) == answer("/invocations", Self.split(columns, rows: withNull)))
        // KServe v1's answers are counted under the router's label for its route, whichever path answered.
        let metrics = http.request("GET", "/metrics", contentType: nil)?.body ?? ""
        #expect(metrics.contains("proj_requests_total{route=\"/v1/models/{name}\",status=\"200\","), "\(metrics)")
        #expect(metrics.split(separator: "\n").first { $0.hasPrefix("proj_requests_total{route=\"/v1/models/{name}\",status=\"200\",") }?.hasSuffix("} 3") == true)
        #expect(answer("/invocations", Self.records("dataframe_records", columns, rows: rows)) == answer("/invocations", Self.records("dataframe_records", reversed, rows: rows)))

        // In the schema's order and wrong, each gets the full reader's error.
        var wrong = rows[0]
        wrong[columns[5]] = "abc"
        let wrongType = Self.records("instances", columns, rows: [wrong])
        let cases: [(String, String, Int, String)] = [
            ("/v1/predict", wrongType, 400, "instances[0].\(columns[5]): '\(columns[5])' should be double"),
            ("/v1/predict", Self.records("instances", columns, rows: Array(repeating: rows[0], count: 31)), 413, "at most 30 per request"),
            ("/v1/predict", Self.records("instances", columns, rows: [rows[0]]) + "x", 400, "not valid JSON"),
            ("/v1/predict", Self.records("rows", columns, rows: [rows[0]]), 400, "unknown key 'rows'"),
            ("/invocations", Self.records("dataframe_split", columns, rows: [rows[0]]), 400, "'dataframe_split' needs 'columns' and 'data'"),
            ("/invocations", Self.split(columns, rows: [rows[0]]).replacingOccurrences(of: "]]}}", with: ",1]]}}"), 400, "must be a list of \(columns.count) values"),
        ]
        for (path, body, status, message) in cases {
            let r = http.request("POST", path, body: body)
            #expect(r?.status == status, "\(message): \(r?.status ?? 0) \(r?.body ?? "no reply")")
            #expect(r?.body.contains(message) == true, "expected '\(message)' in \(r?.body ?? "no reply")")
        }
    }

    /// A schema with an int column bounded both ways and not nullable, and a column listing its values: rows in
    /// the schema's order are checked against each limit exactly as the full reader checks them, and get its
    /// answers and its messages.
    @Test func rowsInTheSchemasOrderAreHeldToTheSchemasLimits() throws {
        let p = try project()
        let (columns, rows, _) = try instances(p, 5)
        #expect(columns[0] == "length_url" && columns[2] == "ip")
        let schema = try #require(p.read("models/schema.yaml"))
        try p.write("models/schema.yaml", schema
            .replacingOccurrences(of: "{name: length_url, type: double, nullable: true}", with: "{name: length_url, type: int, min: 1, max: 100000}")
            .replacingOccurrences(of: "{name: ip, type: double, nullable: true}", with: "{name: ip, type: double, values: [0, 1], nullable: true}"))
        // The edited schema is a stage's output, so the bundle is knowingly built from a stale pipeline, as a new version.
        let bundled = try p.proj("bundle", "--allow-stale", "--bump", "patch")
        #expect(bundled.code == 0, "\(bundled.err)")
        let server = try serve(p, bundle: "bundles/detector-1.0.1.tar")
        defer { _ = server.stop() }
        let http = server.http

        let reversed = Array(columns.reversed())
        let full = http.request("POST", "/v1/predict", body: Self.records("instances", reversed, rows: rows))
        #expect(full?.status == 200, "\(full?.body ?? "no reply")")
        for integral in [false, true] {
            let quick = http.request("POST", "/v1/predict", body: Self.records("instances", columns, integral: integral, rows: rows))
            #expect(quick?.body == full?.body, "integral: \(integral): \(quick?.body ?? "no reply")")
        }
        func with(_ column: String, _ value: Any?) -> [[String: Any]] {
            var changed = rows
            changed[3][column] = value as Any
            return changed
        }
        let cases: [([[String: Any]], String)] = [
            (with("length_url", 0.0), "instances[3].length_url: 'length_url' is 0, below its min 1.0"),
            (with("length_url", 100001.0), "instances[3].length_url: 'length_url' is 100001, above its max 100000.0"),
            (with("length_url", 2.5), "instances[3].length_url: 'length_url' should be int, got 2.5"),
            (with("length_url", nil as Double?), "instances[3].length_url: 'length_url' is null but the column is not nullable"),
            (with("length_url", Double.nan), "instances[3].length_url: 'length_url' is null but the column is not nullable"),
            (with("length_url", Double.infinity), "instances[3].length_url: 'length_url' should be int, got .inf"),
            (with("ip", 2.0), "instances[3].ip: 'ip' is 2.0, not one of [0, 1]"),
        ]
        for (changed, message) in cases {
            for order in [columns, reversed] {
                let r = http.request("POST", "/v1/predict", body: Self.records("instances", order, rows: changed))
                #expect(r?.status == 400 && r?.body.contains(message) == true, "expected '\(message)' in \(r?.body ?? "no reply")")
            }
        }
        // A null where the listed values allow it (the column is nullable) is taken by both readers alike.
        let nullIP = with("ip", nil as Double?)
        let nullFull = http.request("POST", "/v1/predict", body: Self.records("instances", reversed, rows: nullIP))
        #expect(nullFull?.status == 200 && http.request("POST", "/v1/predict", body: Self.records("instances", columns, rows: nullIP))?.body == nullFull?.body)
    }

    /// Requests sent back to back on one kept-alive connection, some answered on the event loop as they arrive
    /// and some by the router, come back in the order sent, each as it is answered alone, with the same headers;
    /// all are counted in /metrics.
    @Test func pipelinedRequestsAreAnsweredInOrderWhicheverPathTakesThem() throws {
        let p = try project()
        let server = try serve(p)
        defer { _ = server.stop() }
        let http = server.http
        let (columns, rows, _) = try instances(p, 4)
        let reversed = Array(columns.reversed())
        let requests: [(path: String, body: String?)] = [
            ("/v1/predict", Self.records("instances", columns, rows: [rows[0]])),  // quick
            ("/v1/predict", Self.records("instances", reversed, rows: [rows[1]])),  // routed
            ("/invocations", Self.split(columns, rows: [rows[2]])),  // quick, but behind a routed one
            ("/v2/health/ready", nil),  // routed
            ("/v1/predict", Self.records("instances", columns, rows: [rows[3], rows[0]])),  // quick
        ]
        let alone = requests.map { http.request($0.body == nil ? "GET" : "POST", $0.path, body: $0.body) }
        #expect(alone.allSatisfy { $0?.status == 200 }, "\(alone.map { $0?.body ?? "no reply" })")
        let quick = try #require(alone[0]), routed = try #require(alone[1])
        #expect(quick.headers["server"] == "proj" && quick.headers["date"]?.hasSuffix(" GMT") == true && quick.headers["connection"] == "close")
        // The same headers as the router's, and `Connection: close` when closing, as HTTP/1.1 asks.
        #expect(Set(quick.headers.keys).subtracting(["connection"]) == Set(routed.headers.keys), "\(quick.headers) \(routed.headers)")

        // All five in one write; the last asks to close.
        var wire = ""
        for (k, request) in requests.enumerated() {
            wire += "\(request.body == nil ? "GET" : "POST") \(request.path) HTTP/1.1\r\nHost: x\r\n"
            if k == requests.count - 1 { wire += "Connection: close\r\n" }
            if let body = request.body { wire += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" } else { wire += "\r\n" }
        }
        let fd = try #require(http.connect())
        RawHTTP.send(fd, Array(wire.utf8))
        var answers: [String] = []
        var rest = Substring(RawHTTP.receiveAll(fd))
        while let end = rest.range(of: "\r\n\r\n") {
            let head = rest[..<end.lowerBound]
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            #expect(head.hasPrefix("HTTP/1.1 200 "), "\(head)")
            let body = rest[end.upperBound...].utf8.prefix(length)
            answers.append(String(decoding: body, as: UTF8.self))
            rest = Substring(String(decoding: rest[end.upperBound...].utf8.dropFirst(length), as: UTF8.self))
        }
        #expect(answers == alone.map { $0?.body ?? "" })

        let metrics = http.request("GET", "/metrics", contentType: nil)?.body ?? ""
        #expect(metrics.contains("proj_requests_total{route=\"/v1/predict\",status=\"200\","), "\(metrics)")
        let counted = metrics.split(separator: "\n").first { $0.hasPrefix("proj_requests_total{route=\"/v1/predict\",status=\"200\",") }
        #expect(counted?.hasSuffix("} 6") == true, "\(String(describing: counted))")
        // Every row predicted, whichever path answered it, is counted by its label: 5 rows, sent twice.
        let predicted = metrics.split(separator: "\n").filter { $0.hasPrefix("proj_predictions_total{") }.compactMap { Int($0.split(separator: " ").last ?? "") }
        #expect(predicted.reduce(0, +) == 10, "\(metrics)")
        // The quick path's Date header is the current time in HTTP's format.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        // So is the router's (made by proj too, not by a calendar).
        for headers in [quick.headers, routed.headers] {
            let date = try #require(formatter.date(from: headers["date"] ?? ""), "\(headers)")
            #expect(abs(date.timeIntervalSinceNow) < 60)
        }
    }

    @Test func aSlowBodyTimesOutAndSIGTERMLetsTheRequestInFlightFinish() throws {
        let p = try project()
        let server = try serve(p, ["--request-timeout", "1"])
        let (columns, rows, _) = try instances(p, 1)
        let body = Self.records("instances", Array(columns.reversed()), rows: rows)
        let head = "POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"

        // A client that stops half way through its body gets 408.
        let stalled = server.http.connect()!
        RawHTTP.send(stalled, Array((head + body.prefix(10)).utf8))
        let timedOut = RawHTTP.receive(stalled)
        #expect(timedOut?.status == 408 && timedOut?.body.contains("did not arrive within 1 s") == true, "\(String(describing: timedOut))")
        // So does one that sends the head alone, and one that trickles its body in parts that each come well
        // within the limit but together take twice as long: the time runs from the head, not from the last part.
        let headOnly = server.http.connect()!
        RawHTTP.send(headOnly, Array(head.utf8))
        #expect(RawHTTP.receive(headOnly)?.status == 408)
        let trickling = server.http.connect()!
        RawHTTP.send(trickling, Array(head.utf8))
        let bytes = Array(body.utf8), size = bytes.count / 5 + 1
        for start in stride(from: 0, to: bytes.count, by: size) {
            Thread.sleep(forTimeInterval: 0.4)
            RawHTTP.send(trickling, Array(bytes[start..<min(start + size, bytes.count)]))
        }
        #expect(RawHTTP.receive(trickling)?.status == 408)

        // Requests in flight when SIGTERM arrives are answered, then the server exits 0: one in another key order
        // (answered by the router), one in the schema's order (answered on the event loop).
        let quickBody = Self.records("instances", columns, rows: rows)
        let quickHead = "POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(quickBody.utf8.count)\r\n\r\n"
        let inFlight = server.http.connect()!, quickInFlight = server.http.connect()!
        RawHTTP.send(inFlight, Array((head + body.prefix(10)).utf8))
        RawHTTP.send(quickInFlight, Array((quickHead + quickBody.prefix(10)).utf8))
        Thread.sleep(forTimeInterval: 0.2)
        server.running.process.terminate()
        Thread.sleep(forTimeInterval: 0.3)
        RawHTTP.send(inFlight, Array(body.dropFirst(10).utf8))
        RawHTTP.send(quickInFlight, Array(quickBody.dropFirst(10).utf8))
        let reply = RawHTTP.receive(inFlight), quickReply = RawHTTP.receive(quickInFlight)
        #expect(reply?.status == 200, "\(String(describing: reply))")
        #expect(quickReply?.status == 200 && quickReply?.body == reply?.body, "\(String(describing: quickReply))")
        server.running.process.waitUntilExit()
        #expect(server.running.process.terminationStatus == 0)
        #expect(server.http.connect() == nil)
    }

    @Test func expectContinueIsAnsweredAndConcurrentClientsGetTheSameAnswers() throws {
        let p = try project()
        let server = try serve(p, ["--max-body", "100000"])
        defer { _ = server.stop() }
        let (_, rows, _) = try instances(p, 20)
        let body = json(["instances": Array(rows.prefix(3))])

        // curl asks before sending a large body: "100 Continue" comes first, then the answer.
        let fd = server.http.connect()!
        RawHTTP.send(fd, Array("POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n".utf8))
        var interim = [UInt8](repeating: 0, count: 256)
        let n = interim.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        #expect(String(decoding: interim.prefix(max(n, 0)), as: UTF8.self).hasPrefix("HTTP/1.1 100 Continue\r\n"))
        RawHTTP.send(fd, Array(body.utf8))
        let answered = RawHTTP.receive(fd)
        #expect(answered?.status == 200 && answered?.body.contains("\"predictions\"") == true, "\(String(describing: answered))")

        // A body over the limit is refused without asking for it.
        let big = server.http.connect()!
        RawHTTP.send(big, Array("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 200000\r\n\r\n".utf8))
        let refused = RawHTTP.receive(big)
        #expect(refused?.status == 413 && refused?.body.contains("at most 100000") == true, "\(String(describing: refused))")

        // Eight clients at once, each row answered as when asked alone (the model copies agree).
        let http = server.http
        let bodies = rows.map { json(["instances": [$0]]) }
        @Sendable func probability(_ body: String) -> Double? {
            let reply = http.request("POST", "/v1/predict", body: body)?.json as? [String: Any]
            return ((reply?["predictions"] as? [[String: Any]])?.first?["probability"] as? Double)
        }
        let alone = bodies.map(probability)
        #expect(alone.allSatisfy { $0 != nil })
        let together = Mutex([[Double?]](repeating: [], count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { client in
            let answers = (0..<5).flatMap { _ in bodies.map(probability) }
            together.withLock { $0[client] = answers }
        }
        for answers in together.withLock({ $0 }) { #expect(answers == Array((0..<5).map { _ in alone }.joined())) }
    }

    @Test func tritonBinaryTensorsAreReadLikeTheirJSON() throws {
        let p = try project()
        let server = try serve(p)
        defer { _ = server.stop() }
        let (columns, rows, _) = try instances(p, 3)
        let values = rows.flatMap { row in columns.map { row[$0] as! Double } }
        func probabilities(_ reply: RawHTTP.Reply?) -> [Double]? {
            let outputs = (reply?.json as? [String: Any])?["outputs"] as? [[String: Any]]
            return outputs?.first { $0["name"] as? String == "probability" }?["data"] as? [Double]
        }
        let viaJSON = probabilities(server.http.post("/v2/models/detector/infer", [
            "inputs": [["name": "input", "shape": [3, columns.count], "datatype": "FP64", "data": values]],
        ]))
        #expect(viaJSON?.count == 3)

        // As Triton's client sends it: a JSON header, then the raw little-endian doubles.
        func binary(_ data: [UInt8], size: Int, datatype: String = "FP64", headerLength: String? = nil, header text: String? = nil) -> RawHTTP.Reply? {
            let header = text ?? json(["inputs": [["name": "input", "shape": [3, columns.count], "datatype": datatype, "parameters": ["binary_data_size": size]]],
                               "outputs": [["name": "probability", "parameters": ["binary_data": true]]]])
            let body = Array(header.utf8) + data
            guard let fd = server.http.connect() else { return nil }
            RawHTTP.send(fd, Array("POST /v2/models/detector/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nInference-Header-Content-Length: \(headerLength ?? String(header.utf8.count))\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
            return RawHTTP.receive(fd)
        }
        let doubles = values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
        let viaBinary = binary(doubles, size: doubles.count)
        #expect(viaBinary?.status == 200 && probabilities(viaBinary) == viaJSON, "\(String(describing: viaBinary))")
        let floats = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: Float(v).bitPattern >> (8 * UInt32($0))) } }
        #expect(binary(floats, size: floats.count, datatype: "FP32")?.status == 200)

        // Sizes that do not add up are refused, naming the problem.
        let bad: [(RawHTTP.Reply?, String)] = [
            (binary(doubles, size: doubles.count + 8), "binary_data_size' must be a byte count within"),
            (binary(doubles + [0, 0], size: doubles.count), "2 bytes of binary tensor data follow"),
            (binary(Array(doubles.dropLast(3)), size: doubles.count - 3), "not a multiple of 8"),
            (binary(doubles, size: doubles.count, headerLength: "1000000"), "Inference-Header-Content-Length is 1000000"),
            (binary(doubles, size: doubles.count, headerLength: "ten"), "Inference-Header-Content-Length must be a byte count, not 'ten'"),
            (binary(doubles, size: doubles.count, header: "{\"inputs\": ["), "the inference header is not valid JSON"),
            (binary(doubles, size: doubles.count, datatype: "FP16"), "datatype 'FP16', which has no binary form"),
            (binary([5, 0, 0, 0, 0x61], size: 5, datatype: "BYTES"), "BYTES element 0 is cut short"),
        ]
        for (reply, message) in bad {
            #expect(reply?.status == 400 && reply?.body.contains(message) == true, "\(message): \(String(describing: reply))")
        }
    }

    @Test func aTamperedBundleIsNeverServed() throws {
        let p = try project()
        var bytes = [UInt8](FileManager.default.contents(atPath: p.root + "/bundles/detector-1.0.0.tar")!)
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: p.root + "/bundles/detector-1.0.0.tar"))
        let r = try p.proj("serve", "bundles/detector-1.0.0.tar", "--port", "0")
        #expect(r.code == 1)
        #expect(r.err.contains("Error:"), "\(r.err)")
        #expect(!r.out.contains("ready"))
    }

    @Test func aTrustedKeyOnThisMachineMakesTheSignatureRequired() throws {
        let p = try project()
        #expect(try p.proj("keys", "generate", "release").code == 0)
        let r = try p.proj("serve", "bundles/detector-1.0.0.tar", "--port", "0")
        #expect(r.code != 0)
        #expect(r.err.contains("not signed"), "\(r.err)")
        let server = try serve(p, ["--insecure-skip-verify"])
        #expect(server.running.errors().contains("warning: --insecure-skip-verify"))
        #expect(server.http.request("GET", "/v2/health/ready", contentType: nil)?.status == 200)
        #expect(server.stop() == 0)
    }

    @Test func aBundleIsServedByNameFromAStore() throws {
        let p = try project()
        #expect(try p.proj("bundle", "push", "bundles/detector-1.0.0.tar", "store").code == 0)
        let running = try p.start(["serve", "detector@1.0.0", "--store", "store", "--port", "0"])
        #expect(eventually(30) { running.output().contains("ready: serving detector 1.0.0") }, "\(running.errors())")
        running.process.terminate()
        running.process.waitUntilExit()
        #expect(running.process.terminationStatus == 0)
    }

    func json(_ object: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self) }
}
