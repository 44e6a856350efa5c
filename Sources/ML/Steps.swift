import Bundle
import Fingerprint
import Foundation
import YAML

/// The label column and its two values.
public struct Target: Sendable {
    public var column: String
    public var positive: String
    public var negative: String
    public init(column: String, positive: String, negative: String) {
        self.column = column
        self.positive = positive
        self.negative = negative
    }

    /// 1 for the positive value, 0 for the negative; anything else is an error naming the row.
    func label(_ value: String, row: Int, path: String) throws(MLError) -> Float {
        switch value {
        case positive: return 1
        case negative: return 0
        default: throw MLError("\(path): row \(row + 2), column '\(column)': unknown label '\(value)' (expected \(negative) or \(positive))")
        }
    }
}

/// Gradient-boosted trees through XGBoost.
public struct XGBoostParams: Sendable {
    public var rounds = 200
    public var maxDepth = 6
    public var eta = 0.1
    public var subsample = 1.0
    public var seed: UInt64 = 0
    public init() {}

    var pairs: [(String, String)] {
        [("objective", "binary:logistic"), ("tree_method", "hist"), ("max_depth", String(maxDepth)), ("eta", String(eta)),
         ("subsample", String(subsample)), ("seed", String(seed)), ("nthread", "2")]
    }
}

/// `proj ml` steps: split, train, evaluate. Each reads and writes plain files so stages can declare them.
public enum Steps {
    /// Stratified, seeded split of a CSV file.
    public static func split(input: String, target: String, testFraction: Double, seed: UInt64, train: String, test: String) throws(MLError) -> (Int, Int) {
        guard testFraction > 0, testFraction < 1 else { throw MLError("--test-fraction must be between 0 and 1, not \(testFraction)") }
        let table = try Table.read(input)
        let parts = Split.stratified(table, labelColumn: try table.column(target, in: input), testFraction: testFraction, seed: seed)
        try parts.train.write(train)
        try parts.test.write(test)
        return (parts.train.rows.count, parts.test.rows.count)
    }

    /// Trains on `trainPath` (holding out `validationFraction` for per-round curves), writes the model (UBJSON),
    /// the bundle schema of its inputs and outputs, and a per-round CSV of train/validation loss, accuracy,
    /// precision and recall. The final model is trained on all of `trainPath`.
    /// With a `featurizer`, the features come from the `url` column, `featurizer.json` is written beside the
    /// model, and the schema takes a raw URL.
    public static func train(trainPath: String, target: Target, exclude: [String], params: XGBoostParams, validationFraction: Double,
                             model: String, schema: String, plots: String, featurizer: Featurizer? = nil) throws -> BinaryMetrics {
        let table = try Table.read(trainPath)
        let labelColumn = try table.column(target.column, in: trainPath)
        let parts = Split.stratified(table, labelColumn: labelColumn, testFraction: validationFraction, seed: params.seed &+ 1)
        func dataset(_ t: Table) throws -> Dataset {
            if let featurizer { return try Dataset.featurized(t, path: trainPath, featurizer: featurizer, target: target) }
            return try Dataset.from(t, path: trainPath, target: target.column, positive: target.positive, negative: target.negative, exclude: exclude)
        }
        let fit = try dataset(parts.train), validation = try dataset(parts.test)
        var curve = "round,train_loss,train_accuracy,train_precision,train_recall,val_loss,val_accuracy,val_precision,val_recall\n"
        var last: BinaryMetrics?
        _ = try XGBooster.train(features: fit.features, columns: fit.columns.count, labels: fit.labels, params: params.pairs,
                                rounds: params.rounds) { round, booster in
            let t = BinaryMetrics(probabilities: try booster.predict(fit.features, columns: fit.columns.count), labels: fit.labels)
            let v = BinaryMetrics(probabilities: try booster.predict(validation.features, columns: validation.columns.count), labels: validation.labels)
            curve += [Double(round + 1), t.logLoss, t.accuracy, t.precision, t.recall, v.logLoss, v.accuracy, v.precision, v.recall]
                .enumerated().map { $0.offset == 0 ? String(Int($0.element)) : String(format: "%.6f", $0.element) }.joined(separator: ",") + "\n"
            last = v
        }
        let all = try dataset(table)
        let booster = try XGBooster.train(features: all.features, columns: all.columns.count, labels: all.labels, params: params.pairs, rounds: params.rounds)
        try write(Data(try booster.save()), to: model)
        if let featurizer {
            try write(Data(featurizer.json.utf8), to: URL(fileURLWithPath: model).deletingLastPathComponent().appendingPathComponent(Featurizer.fileName).path)
            try write(Data(Featurizer.schemaText.utf8), to: schema)
        } else {
            try write(Data(schemaText(columns: all.columns).utf8), to: schema)
        }
        try write(Data(curve.utf8), to: plots)
        return last ?? BinaryMetrics(probabilities: [], labels: [])
    }

    /// Scores `testPath` with the model: metrics (JSON), ROC points (CSV), and inference time per row (JSON, kept
    /// apart because it differs from run to run).
    public static func evaluate(model: String, schema: String, testPath: String, target: Target, metrics: String, roc: String, timing: String) throws -> BinaryMetrics {
        guard let bytes = FileManager.default.contents(atPath: model) else { throw MLError("cannot read model \(model)") }
        guard let schemaText = try? String(contentsOfFile: schema, encoding: .utf8) else { throw MLError("cannot read \(schema)") }
        let inputs = try Schema.parse(schemaText, file: schema).input.map(\.name)
        let table = try Table.read(testPath)
        let featurizerPath = URL(fileURLWithPath: model).deletingLastPathComponent().appendingPathComponent(Featurizer.fileName).path
        let data: Dataset
        if inputs == ["url"], let bytes = FileManager.default.contents(atPath: featurizerPath) {
            data = try Dataset.featurized(table, path: testPath, featurizer: try Featurizer.parse([UInt8](bytes)), target: target)
        } else {
            data = try Dataset.from(table, path: testPath, target: target.column, positive: target.positive, negative: target.negative,
                                    exclude: [], columns: inputs)
        }
        let booster = try XGBooster.load([UInt8](bytes))
        let start = DispatchTime.now().uptimeNanoseconds
        let p = try booster.predict(data.features, columns: data.columns.count)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let result = BinaryMetrics(probabilities: p, labels: data.labels)
        var value = result.value
        if case .map(var entries) = value { entries.append(.init("rows", .int(data.rows))); value = .map(entries) }
        try write(Data(JSONEmitter.emit(value).utf8), to: metrics)
        let points = BinaryMetrics.rocCurve(probabilities: p, labels: data.labels)
        try write(Data(("fpr,tpr,threshold\n" + points.map { String(format: "%.6f,%.6f,%@", $0.fpr, $0.tpr, $0.threshold.isFinite ? String(format: "%.6f", $0.threshold) : "inf") + "\n" }.joined()).utf8), to: roc)
        try write(Data(JSONEmitter.emit(.map([.init("rows", .int(data.rows)), .init("inference_us_per_row", .double((seconds * 1e6 / Double(max(1, data.rows)) * 1000).rounded() / 1000))])).utf8), to: timing)
        return result
    }

    static func schemaText(columns: [String]) -> String {
        "input:\n" + columns.map { "  - {name: \(YAMLEmitter.string($0)), type: double, nullable: true}\n" }.joined()
            + "output:\n  - {name: label, type: int, values: [0, 1]}\n  - {name: probability, type: double, min: 0, max: 1}\n"
    }

    /// Writes an output file atomically (temp + fsync + rename), creating its directory.
    static func write(_ data: Data, to path: String) throws(MLError) {
        do { try AtomicFile.write(data, to: path) } catch { throw MLError("\(error)") }
    }
}
