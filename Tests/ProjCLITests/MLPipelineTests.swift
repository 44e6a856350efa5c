import Foundation
import Testing

/// A small real slice of the shared phishing data, run through `proj ml` stages into a bundle.
@Suite(.serialized) struct MLPipelineTests {
    static let dataPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/phishing-url-train.csv").path

    /// The stage both projects start with: a seeded split of raw.csv (indented as a stage under `stages:`).
    static let ingestStage = """
          ingest:
            cmd: proj ml split --input raw.csv --target status --train data/train.csv --test data/test.csv --seed 1
            deps: [raw.csv]
            outs: [data/train.csv, data/test.csv]
        """

    func project(rows: Int = 1200) throws -> TempProject {
        let lines = try String(contentsOfFile: Self.dataPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var p = try TempProject([
            "raw.csv": lines.prefix(rows + 1).joined(separator: "\n") + "\n",
            "params.yaml": "train:\n  rounds: 25\n  seed: 3\n",
            "project.yaml": """
                name: detector
                version: 1.0.0
                stages:
                \(Self.ingestStage)
                  train:
                    cmd: >-
                      proj ml train --input data/train.csv --target status --positive phishing --negative legitimate --exclude url
                      --rounds ${params.train.rounds} --seed ${params.train.seed}
                      --model models/model --schema models/schema.yaml --plots plots/rounds.csv
                    deps: [data/train.csv]
                    params: [train]
                    outs: [models/model, models/schema.yaml]
                    plots: [plots/rounds.csv]
                  evaluate:
                    cmd: >-
                      proj ml evaluate --model models/model --input data/test.csv --target status --positive phishing --negative legitimate
                      --metrics metrics/eval.json --roc plots/roc.csv --timing metrics/timing.json
                    deps: [models/model, data/test.csv]
                    metrics: [metrics/eval.json, metrics/timing.json]
                    plots: [plots/roc.csv]
                bundle:
                  model: models/model
                  flavor: xgboost
                  schema: models/schema.yaml
                  metrics: [metrics/eval.json]
                  selftest: {data: data/test.csv, rows: 4}

                """,
        ])
        p.environment = projEnvironment(p)
        return p
    }

    @Test func theStagesEndInABundleWhoseSelftestVerifyRecomputes() throws {
        let p = try project()
        var r = try p.proj("repro")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("split raw.csv: 960 train rows -> data/train.csv, 240 test rows -> data/test.csv"))
        #expect(p.read("plots/rounds.csv")?.split(separator: "\n").count == 26)
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data((p.read("metrics/eval.json") ?? "").utf8)) as? [String: Any])
        #expect((metrics["accuracy"] as? Double ?? 0) > 0.85)
        #expect(metrics["rows"] as? Int == 240)

        // Training again from the same data, params and seed gives the same model bytes: nothing downstream runs.
        r = try p.proj("repro", "-f", "-s", "train")
        #expect(r.code == 0)
        #expect(try p.proj("status").out == "Everything is fresh (3 stages).\n")

        r = try p.proj("bundle")
        #expect(r.code == 0, "\(r.err)")
        r = try p.proj("verify", "bundles/detector-1.0.0.tar")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("  ok   selftest   4 rows reproduce their recorded outputs"))
        #expect(r.out.contains("  ok   schema     87 input and 2 output columns"))

        // Scoring a CSV with the verified bundle: one line per row, the same probabilities as the selftest.
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "data/test.csv")
        #expect(r.code == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 241)
        #expect(lines.first == "label,probability")
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "data/test.csv", "--format", "jsonl", "--output", "out.jsonl")
        #expect(r.code == 0)
        #expect(p.read("out.jsonl")?.split(separator: "\n").count == 240)
        #expect(p.read("out.jsonl")?.hasPrefix("{\"label\": ") == true)
        // A named pipe or a device is written in place, never replaced by a regular file.
        let pipe = p.root + "/predictions.fifo"
        #expect(mkfifo(pipe, 0o600) == 0)
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "data/test.csv", "--output", "predictions.fifo")
        #expect(r.code == 0, "\(r.err)")
        var received: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while case let n = read(reader, &chunk, chunk.count), n > 0 { received += chunk[..<n] }
        #expect(String(decoding: received, as: UTF8.self).split(separator: "\n").count == 241)
        var info = stat()
        #expect(lstat(pipe, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "data/test.csv", "--output", "/dev/null")
        #expect(r.code == 0, "\(r.err)")
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "params.yaml")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: params.yaml has no column 'length_url', which the model takes (it takes 87 columns: "))

        // Many batches, scored several at a time: the same lines in the same order as files small enough for one
        // batch each; a bad cell fails after the batches before its own are written, and names its row.
        let test = try #require(p.read("data/test.csv")).split(separator: "\n")
        let many = (0..<5000).map { test[1 + $0 % (test.count - 1)] }
        try p.write("many.csv", ([test[0]] + many).joined(separator: "\n") + "\n")
        var pieces = ""
        for k in 0..<8 {
            try p.write("piece.csv", ([test[0]] + many[(k * 625)..<((k + 1) * 625)]).joined(separator: "\n") + "\n")
            r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "piece.csv")
            pieces += k == 0 ? r.out : String(r.out.drop { $0 != "\n" }.dropFirst())
        }
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "many.csv")
        #expect(r.code == 0 && r.out.split(separator: "\n").count == 5001)
        #expect(r.out == pieces)
        var bad = many
        let fields = bad[3500].split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        try #require(fields.count == 3 && !fields[0].contains("\""))
        bad[3500] = fields[0] + ",oops," + fields[2]
        try p.write("bad.csv", ([test[0]] + bad).joined(separator: "\n") + "\n")
        r = try p.proj("predict", "bundles/detector-1.0.0.tar", "--input", "bad.csv")
        #expect(r.code == 1)
        #expect(r.err == "Error: bad.csv: row 3502, column 'length_url': 'oops' is not a double\n", "\(r.err)")
        #expect(r.out == String(pieces.split(separator: "\n", omittingEmptySubsequences: false).prefix(3073).joined(separator: "\n")) + "\n")

        // Evaluating again rewrites the timing file, which is not part of the bundle: same content, no conflict.
        #expect(try p.proj("repro", "-f", "-s", "evaluate").code == 0)
        r = try p.proj("bundle")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("detector 1.0.0 is unchanged"))
    }

    /// The repository's own flagship, as a new user tries it: a release, then `proj repro -S train.rounds=100`
    /// ends with a verifiable pre-release bundle beside the untouched release, and both runs are in the history.
    /// (Two folds and xgboost alone, so that the test takes seconds; the data is the whole shared set.)
    @Test func theFlagshipsEverydayLoopMakesAnExperimentBundle() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var files: [String: String] = [:]
        for file in ["project.yaml", "params.yaml", "stages/data-schema.yaml", "stages/public_suffix_list.dat"] {
            files[file] = try String(contentsOfFile: repository + "/" + file, encoding: .utf8)
        }
        var p = try TempProject(files)
        p.environment = projEnvironment(p)
        let released = try #require(files["project.yaml"]?.firstMatch(of: /\nversion: (\d+)\.(\d+)\.(\d+)/), "project.yaml has no version")
        let (major, minor, patch) = (String(released.1), String(released.2), Int(released.3)!)
        var r = try p.proj("repro", "-S", "ingest.source=\(Self.dataPath)", "-S", "train.models=xgboost", "-S", "train.folds=2")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        let release = p.root + "/bundles/phishing-detector-\(major).\(minor).\(patch).tar"
        let releaseDigest = try sha256(release)

        r = try p.proj("repro", "-S", "train.rounds=100")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        let version = try #require(r.out.firstMatch(of: /this is the experiment (\d+\.\d+\.\d+-exp\.[0-9a-f]{8})/).map { String($0.1) }, "\(r.out)")
        #expect(version.hasPrefix("\(major).\(minor).\(patch + 1)-exp."))
        #expect(try sha256(release) == releaseDigest)
        r = try p.proj("verify", "bundles/phishing-detector-\(version).tar")
        #expect(r.code == 0, "\(r.out)\(r.err)")

        let runs = try #require(try JSONSerialization.jsonObject(with: Data(try p.proj("exp", "show", "--json").out.utf8)) as? [[String: Any]])
        #expect(runs.count == 2)
        #expect((runs[0]["bundle"] as? [String: Any])?["version"] as? String == version)
        #expect((runs[1]["bundle"] as? [String: Any])?["version"] as? String == "\(major).\(minor).\(patch)")
        #expect((runs[0]["params"] as? [String: String])?["train.rounds"] == "100")
        // The factory's curve of the model it cross-validated is in the run, per round.
        #expect(p.read("plots/cv_curves.csv")?.split(separator: "\n").count == 101)
    }

    @Test func aRawURLModelFromTheFactoryIsBundledByRepro() throws {
        let p = try project(rows: 1500)
        let suffixList = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("stages/public_suffix_list.dat").path
        try p.write("public_suffix_list.dat", try String(contentsOfFile: suffixList, encoding: .utf8))
        try p.write("project.yaml", """
            name: url-detector
            version: 1.0.0
            stages:
            \(Self.ingestStage)
              train:
                cmd: >-
                  proj ml train --featurizer url-text+structure --suffix-list public_suffix_list.dat --input data/train.csv
                  --target status --positive phishing --negative legitimate
                  --rounds 40 --folds 3 --models xgboost,xgboost-rf,logreg,svm,mlp --epochs 4
                  --model models/url --schema models/url-schema.yaml --plots plots/curve.csv --cv metrics/cv.json
                deps: [data/train.csv, public_suffix_list.dat]
                outs: [models/url, models/url-schema.yaml]
                metrics: [metrics/cv.json]
                plots: [plots/curve.csv]
              evaluate:
                cmd: >-
                  proj ml evaluate --model models/url --input data/test.csv --target status --positive phishing --negative legitimate
                  --metrics metrics/eval.json --roc plots/roc.csv --timing metrics/timing.json
                deps: [models/url, data/test.csv]
                metrics: [metrics/eval.json, metrics/timing.json]
              bundle:
                cmd: proj bundle
                deps: [models/url, models/url-schema.yaml, metrics/eval.json]
                outs:
                  - bundles: {cache: false, persist: true}
            bundle:
              model: models/url
              schema: models/url-schema.yaml
              metrics: [metrics/eval.json, metrics/cv.json]
              selftest: {data: data/test.csv, rows: 3}

            """)
        // One repro: the factory compares five kinds, and the last stage builds the bundle under repro's own lock.
        var r = try p.proj("repro")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("built bundles/url-detector-1.0.0.tar"))
        for kind in ["xgboost", "xgboost-rf", "logreg", "svm", "mlp"] { #expect(r.out.contains("  \(kind.padding(toLength: 10, withPad: " ", startingAt: 0)) 3-fold F1 0.")) }
        let model = try #require(p.read("models/url/model.json"))
        #expect(model.contains("\"featurizer\": \"url-text+structure\""))
        #expect(p.exists("models/url/text-vocabulary.bin") && p.exists("models/url/preprocess.json"))
        // The registered-domain features are in, and the suffix list they were computed with travels with the model.
        #expect(model.contains("\"char_repeat\"") && model.contains("\"avg_word_path\""))
        #expect(p.read("models/url/public_suffix_list.dat") == p.read("public_suffix_list.dat"))
        let cv = try #require(try JSONSerialization.jsonObject(with: Data((p.read("metrics/cv.json") ?? "").utf8)) as? [String: Any])
        let chosen = try #require(cv["chosen"] as? String)
        #expect(model.contains("\"kind\": \"\(chosen)\""))
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data((p.read("metrics/eval.json") ?? "").utf8)) as? [String: Any])
        #expect((metrics["accuracy"] as? Double ?? 0) > 0.85)
        #expect(try p.proj("status").out == "Everything is fresh (4 stages).\n")

        r = try p.proj("verify", "bundles/url-detector-1.0.0.tar")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("  ok   schema     1 input and 2 output columns"))
        #expect(r.out.contains("  ok   selftest   3 rows reproduce their recorded outputs"))
        r = try p.proj("inspect", "bundles/url-detector-1.0.0.tar")
        #expect(r.out.hasPrefix("NOT VERIFIED: inspect reads bundle.yaml only; run `proj verify` to check the digests, the signature and the selftest\nurl-detector 1.0.0 (\(chosen == "xgboost" || chosen == "xgboost-rf" ? "xgboost" : chosen == "mlp" ? "mlp" : "linear"), bundle format 1)"))
        try p.write("urls.csv", "url\nhttps://www.example.com/\nhttp://paypal-login.secure-update.example.ru/wp-admin/verify.php?id=1\n")
        r = try p.proj("predict", "bundles/url-detector-1.0.0.tar", "--input", "urls.csv")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.split(separator: "\n").count == 3)

        // Served: URL rows in the usual shape are answered on the event loop, `{"urls": [...]}` and CSV by the
        // router; the answers are the same bytes, and the same as proj predict's.
        let server = try ServeTests().serve(p, bundle: "bundles/url-detector-1.0.0.tar")
        defer { _ = server.stop() }
        let urls = ["https://www.example.com/", "http://paypal-login.secure-update.example.ru/wp-admin/verify.php?id=1"]
        let quick = server.http.post("/v1/predict", ["instances": urls.map { ["url": $0] }])
        let routed = server.http.post("/v1/predict", ["urls": urls])
        let csv = server.http.request("POST", "/v1/predict", body: "url\n" + urls.joined(separator: "\n") + "\n", contentType: "text/csv")
        #expect(quick?.status == 200 && quick?.body == routed?.body && quick?.body == csv?.body, "\(quick?.body ?? "")\n\(routed?.body ?? "")")
        let labels = ((quick?.json as? [String: Any])?["predictions"] as? [[String: Any]])?.map { $0["label"] as? String ?? "?" }
        #expect(labels == r.out.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }, "\(r.out)")
        let split = server.http.post("/invocations", ["dataframe_split": ["columns": ["url"], "data": urls.map { [$0] }]])
        let records = server.http.post("/invocations", ["dataframe_records": urls.map { ["url": $0] }])
        #expect(split?.status == 200 && split?.body == records?.body)
        let counted = server.http.request("GET", "/metrics", contentType: nil)?.body ?? ""
        #expect(counted.contains("proj_predictions_total{label=\"legitimate\"") || counted.contains("proj_predictions_total{label=\"phishing\""), "\(counted)")

        // Retraining from the same data, params and seed gives the same model bytes: nothing downstream runs.
        r = try p.proj("repro", "-f", "-s", "train")
        #expect(r.code == 0)
        #expect(try p.proj("status").out == "Everything is fresh (4 stages).\n")
    }

    /// One train command serves both values of a featurizer param: the suffix list is unused on table columns, and
    /// a featurizer whose suffix list cannot be read fails before anything is written.
    @Test func theSuffixListFollowsTheFeaturizerSwitch() throws {
        let p = try project(rows: 300)
        #expect(try p.proj("repro", "ingest").code == 0)
        let common = ["ml", "train", "--input", "data/train.csv", "--target", "status", "--positive", "phishing", "--negative", "legitimate",
                      "--exclude", "url", "--rounds", "5", "--folds", "2", "--suffix-list", "nowhere.dat",
                      "--schema", "s.yaml", "--plots", "c.csv"]
        var r = try p.proj(common + ["--featurizer", "none", "--model", "table-model"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("note: --suffix-list nowhere.dat is not used: the table's own columns need no suffix list"))
        #expect(p.exists("table-model/model.json") && !p.exists("table-model/public_suffix_list.dat"))
        r = try p.proj(common + ["--featurizer", "url-structure", "--model", "url-model"])
        #expect(r.code == 1)
        #expect(r.err.contains("cannot read the suffix list nowhere.dat (Debian's publicsuffix package installs /usr/share/publicsuffix/public_suffix_list.dat)"))
        #expect(!p.exists("url-model"))
        // proj ml assumes no dataset's label: a step without it is a usage error, and writes nothing.
        r = try p.proj("ml", "train", "--input", "data/train.csv", "--model", "no-target", "--schema", "s2.yaml", "--plots", "c2.csv")
        #expect(r.code == 2 && r.err.contains("Missing expected argument '--target <target>'"), "\(r.err)")
        #expect(!p.exists("no-target") && !p.exists("s2.yaml"))
        // Choices are checked when the arguments are read: exit 2, the value and what is known, nothing written.
        r = try p.proj("ml", "transform", "--input", "data/train.csv", "--target", "status", "--imputer", "mean", "--output", "pre")
        #expect(r.code == 2 && r.err.contains("'mean'") && r.err.contains("Please provide one of 'none', 'median' or 'knn'"), "\(r.err)")
        r = try p.proj(common + ["--models", "xgboost,gbm", "--model", "bad-kind"])
        #expect(r.code == 2 && r.err.contains("unknown model kind 'gbm' (known: xgboost, xgboost-rf, logreg, svm, mlp)"), "\(r.err)")
        r = try p.proj(common + ["--featurizer", "bag-of-words", "--model", "bad-featurizer"])
        #expect(r.code == 2 && r.err.contains("unknown featurizer 'bag-of-words' (known: none, url-structure, url-text+structure)"), "\(r.err)")
        #expect(!p.exists("pre") && !p.exists("bad-kind") && !p.exists("bad-featurizer"))
    }

    @Test func badDataFailsTheStageAndWritesNoLock() throws {
        let p = try project(rows: 50)
        let text = try #require(p.read("raw.csv"))
        try p.write("raw.csv", text.replacingOccurrences(of: ",legitimate\n", with: ",benign\n"))
        try p.proj("repro", "ingest")
        let r = try p.proj("repro")
        #expect(r.code == 1)
        #expect(r.out.contains("unknown label 'benign' (expected legitimate or phishing)") || r.err.contains("unknown label 'benign' (expected legitimate or phishing)"))
        #expect(!p.exists("lockfiles/train.lock"))
        #expect(!p.exists("models/model"))
    }
}
