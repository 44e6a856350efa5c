import Fingerprint
import Foundation
import ProjectModel
import Testing

/// What every `proj ml` step writes for fixed inputs, held against `ToolVersion.mlBehaviour`: the
/// identity that stages running `proj ml` carry in their fingerprints. When a step's outputs change, this
/// test fails until the version is bumped (and the new outputs recorded here), so that every lock made
/// by the old steps turns stale (`tool proj ml: 1 -> 2`) instead of passing for fresh.
@Suite struct MLBehaviourTests {
    /// The SHA-256 of the steps' outputs, by behaviour version.
    static let recorded: [Int: String] = [
        1: "7cbfce6c06d479070dbb33b7b7c544d1e921b8953c890b0eb18f84ced631cc06",
    ]

    @Test func theStepsOutputsAreTheOnesTheirVersionRecords() throws {
        let repository = FlagshipDigestTests.repository
        let stages = repository + "/stages"
        // 1200 rows of the shared data, as a source beside the project.
        let data = (repository as NSString).deletingLastPathComponent + "/shared/data/phishing-url-train.csv"
        let text = try String(contentsOfFile: data, encoding: .utf8)
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(1201).joined(separator: "\n") + "\n"
        let project = """
            name: behaviour
            version: 1.0.0
            stages:
              ingest:
                cmd: >-
                  proj ml ingest --source source.csv --sha256 "" --raw data/raw.csv --target status
                  --test-fraction 0.25 --seed 3 --train data/train.csv --test data/test.csv
                deps: [source.csv]
                outs: [data/raw.csv, data/train.csv, data/test.csv]
              validate:
                cmd: >-
                  proj ml validate --train data/train.csv --test data/test.csv --schema \(stages)/data-schema.yaml
                  --threshold 0.05 --report reports/validation.json --drift reports/drift.json
                deps: [data/train.csv, data/test.csv]
                outs: [reports/validation.json, reports/drift.json]
              transform:
                cmd: proj ml transform --input data/train.csv --target status --exclude url --imputer knn --neighbors 3 --output models/preprocess
                deps: [data/train.csv]
                outs: [models/preprocess]
              train-url:
                cmd: >-
                  proj ml train --input data/train.csv --target status --positive phishing --negative legitimate --exclude url
                  --featurizer url-text+structure --preprocess models/preprocess --models xgboost,xgboost-rf,logreg,svm,mlp
                  --folds 2 --rounds 15 --max-depth 4 --eta 0.3 --subsample 0.9 --c 1.0 --seed 5 --validation-fraction 0.2
                  --suffix-list \(stages)/public_suffix_list.dat --model models/url --schema models/url-schema.yaml
                  --plots plots/url-curve.csv --cv metrics/url-cv.json --cv-curves plots/url-cv-curves.csv
                deps: [data/train.csv, models/preprocess]
                outs: [models/url, models/url-schema.yaml, plots/url-curve.csv, metrics/url-cv.json, plots/url-cv-curves.csv]
              train-columns:
                cmd: >-
                  proj ml train --input data/train.csv --target status --positive phishing --negative legitimate --exclude url
                  --featurizer none --preprocess models/preprocess --models xgboost,logreg --folds 2 --rounds 15 --seed 5
                  --model models/columns --schema models/columns-schema.yaml --plots plots/columns-curve.csv --cv metrics/columns-cv.json
                deps: [data/train.csv, models/preprocess]
                outs: [models/columns, models/columns-schema.yaml, plots/columns-curve.csv, metrics/columns-cv.json]
              evaluate:
                cmd: >-
                  proj ml evaluate --model models/url --input data/test.csv --target status --positive phishing --negative legitimate
                  --metrics metrics/eval.json --roc plots/roc.csv --timing timing.json
                deps: [models/url, data/test.csv]
                outs: [metrics/eval.json, plots/roc.csv]

            """
        var p = try TempProject(["project.yaml": project, "source.csv": rows])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        p.environment = projEnvironment(p)
        let r = try p.proj("repro", "-j", "2")
        try #require(r.code == 0, "\(r.err)")

        // Every out of every stage, by its digest in the lock.
        var listing = ""
        for stage in ["ingest", "validate", "transform", "train-url", "train-columns", "evaluate"] {
            let lock = try #require(p.read("lockfiles/\(stage).lock"))
            let outs = lock.components(separatedBy: "\nouts:\n").last?.split(separator: "\n").prefix { $0.hasPrefix("  ") } ?? []
            #expect(!outs.isEmpty, "\(lock)")
            for line in outs { listing += "\(stage)\t\(line.trimmingCharacters(in: .whitespaces))\n" }
        }
        let digest = Hex.sha256(Array(listing.utf8))
        let version = ToolVersion.mlBehaviour
        #expect(MLBehaviourTests.recorded[version] == digest, """
            the outputs of the proj ml steps are not the ones behaviour version \(version) records. If the change is \
            meant, bump ToolVersion.mlBehaviour to \(version + 1) and record "\(digest)" for it here; locks made by the \
            old steps then turn stale. Outputs now:
            \(listing)
            """)
    }
}
