import Bundle
import Foundation
@testable import ML
import Tabular
import Testing
import YAML

/// The shared phishing-URL data beside this checkout.
let phishingCSV = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/data/phishing-url-train.csv").path

func scratch(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("proj-ml-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A scratch directory holding `train.csv`, the first `rows` rows of the shared data; and the whole table.
func trainingSlice(_ label: String, rows: Int) throws -> (dir: String, table: Table) {
    let dir = try scratch(label)
    let table = try Table.read(phishingCSV)
    try Table(header: table.header, rows: Array(table.rows.prefix(rows))).write(dir + "/train.csv")
    return (dir, table)
}

let phishing = Target(column: "status", positive: "phishing", negative: "legitimate")

@Suite struct MLTests {
    @Test func theSplitIsStratifiedAndSeeded() throws {
        let table = try Table.read(phishingCSV)
        #expect(table.rows.count == 7658)
        let label = try table.column("status", in: phishingCSV)
        let a = Split.stratified(table, labelColumn: label, testFraction: 0.2, seed: 42)
        let b = Split.stratified(table, labelColumn: label, testFraction: 0.2, seed: 42)
        let c = Split.stratified(table, labelColumn: label, testFraction: 0.2, seed: 43)
        #expect(a.train.rows.count + a.test.rows.count == 7658)
        #expect(a.test.rows.count == 1532)
        #expect(a.test.rows == b.test.rows)
        #expect(a.test.rows != c.test.rows)
        func rate(_ t: Table) -> Double { Double(t.rows.filter { $0[label] == "phishing" }.count) / Double(t.rows.count) }
        #expect(abs(rate(a.train) - rate(a.test)) < 0.002)
    }

    @Test func metricsMatchHandComputedValues() {
        let m = BinaryMetrics(probabilities: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1])
        #expect(m.rocAUC == 0.75)
        #expect(m.accuracy == 0.75)
        #expect(m.precision == 1)
        #expect(m.recall == 0.5)
        #expect(abs(m.f1 - 2.0 / 3.0) < 1e-12)
        #expect(m.confusion == [[2, 0], [1, 1]])
        let ties = BinaryMetrics(probabilities: [0.5, 0.5, 0.5, 0.5], labels: [0, 1, 0, 1])
        #expect(ties.rocAUC == 0.5)
        let roc = BinaryMetrics.rocCurve(probabilities: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1])
        #expect(roc.first?.fpr == 0 && roc.last?.tpr == 1 && roc.last?.fpr == 1)
    }

    @Test func xgboostTrainsDeterministicallyAndTheLoaderReproducesIt() throws {
        let table = try Table.read(phishingCSV)
        let train = Table(header: table.header, rows: Array(table.rows.prefix(2000)))
        let test = Table(header: table.header, rows: Array(table.rows.suffix(1000)))
        let fit = try Dataset.from(train, path: "train", target: "status", positive: "phishing", negative: "legitimate", exclude: ["url"])
        let held = try Dataset.from(test, path: "test", target: "status", positive: "phishing", negative: "legitimate", exclude: ["url"])
        #expect(fit.columns.count == 87)
        var params = XGBoostParams()
        params.rounds = 40
        let one = try XGBooster.train(features: fit.features, columns: 87, labels: fit.labels, params: params.pairs, rounds: 40)
        let two = try XGBooster.train(features: fit.features, columns: 87, labels: fit.labels, params: params.pairs, rounds: 40)
        let bytes = try one.save()
        #expect(bytes == (try two.save()))
        let p = try one.predict(held.features, columns: 87)
        #expect(BinaryMetrics(probabilities: p, labels: held.labels).accuracy > 0.92)

        // Through the bundle loader: rows keyed by the schema's columns give the same probabilities.
        let schema = try Schema.parse(Steps.schemaText(inputs: fit.columns, target: phishing), file: "schema.yaml")
        let predictor = try TrainedModelLoader(flavor: "xgboost").load(entry: "model/model.ubj", files: ["model/model.ubj": bytes], schema: schema)
        let rows: [[Value.Entry]] = (0..<5).map { r in
            fit.columns.enumerated().map { k, name in .init(name, .double(Double(held.features[r * 87 + k]))) }
        }
        let out = try predictor.predict(Batch(rows: rows, columns: schema.input.map(\.name)))
        for r in 0..<5 {
            #expect(out[r].first { $0.key == "probability" }?.value == .double(Double(p[r])))
            #expect(out[r].first { $0.key == "label" }?.value == .int(p[r] >= 0.5 ? 1 : 0))
        }
    }

    @Test func badDataFailsWithTheRowAndColumn() throws {
        let dir = try scratch("bad")
        func message(_ text: String) -> String {
            let path = dir + "/d.csv"
            try? text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                let table = try Table.read(path)
                _ = try Dataset.from(table, path: path, target: "status", positive: "phishing", negative: "legitimate", exclude: ["url"])
                return "ok"
            } catch { return error.description.replacingOccurrences(of: dir + "/", with: "") }
        }
        #expect(message("url,a,status\nx,1,phishing\n") == "ok")
        #expect(message("") == "d.csv is empty: expected a CSV header and rows")
        #expect(message("url,a,status\n") == "d.csv has a header but no rows")
        #expect(message("url,a\nx,1\n") == "d.csv has no column 'status' (columns: url, a)")
        #expect(message("url,a,status\nx,1,phishing\ny,abc,legitimate\n") == "d.csv: row 3, column 'a': 'abc' is not a number")
        #expect(message("url,a,status\nx,1,maybe\n") == "d.csv: row 2, column 'status': unknown label 'maybe' (expected legitimate or phishing)")
        #expect(message("url,a,status\nx,1\n") == "d.csv: line 2: 2 fields, the header has 3")
    }
}
