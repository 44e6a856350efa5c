import Fingerprint
import Foundation
import YAML

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

    /// What `train` chose and how the candidates scored.
    public struct TrainResult: Sendable {
        public var chosen: ModelKind
        public var cv: [(kind: String, f1: Double)]
        public var validation: BinaryMetrics
        /// The final model's fit on all rows (features already computed), for benchmarks.
        public var finalFitSeconds: Double
        /// The calibration chosen (nil: none beat the probabilities as they are) and each method's
        /// cross-validated log loss on the chosen kind's out-of-fold probabilities.
        public var calibration: Calibration?
        public var calibrationLogLoss: [(String, Double)]
    }

    /// The model factory. Reads `trainPath`, computes the features (the table's columns, or a featurizer's
    /// from its `url` column), preprocesses them (`preprocess`, else a median imputer and standard scaler
    /// fitted here), scores every candidate kind by stratified k-fold cross-validated F1, and trains the
    /// best on all rows. Writes the model directory, the bundle schema, and the chosen kind's learning
    /// curve (per round or epoch: train and validation loss, accuracy, precision, recall; fitted on all but
    /// `validationFraction` of the rows). With `cvCurves`, also every kind's curve on the first fold
    /// (trained on its other folds, validated on it), one column per kind and metric (`xgboost/val_loss`).
    @discardableResult
    public static func train(trainPath: String, target: Target, exclude: [String], kinds: [ModelKind], params: FactoryParams,
                             validationFraction: Double, model: String, schema: String, plots: String, cvCurves: String? = nil,
                             featurizer: Featurizer.Kind? = nil, suffixes: PublicSuffixList? = nil,
                             preprocess given: Preprocess? = nil) throws -> TrainResult {
        guard !kinds.isEmpty else { throw MLError("no model kinds to train") }
        guard params.folds >= 2 else { throw MLError("--folds must be 2 or more, not \(params.folds)") }
        let table = try Table.read(trainPath)
        let labels = try target.labels(table, path: trainPath)
        var fitted: Featurizer?
        var columns: [String], x: [Float]
        if let featurizer {
            let u = try table.column("url", in: trainPath)
            (fitted, x) = try Featurizer.fit(kind: featurizer, suffixes: suffixes, urls: table.rows.map { $0[u] }, labels: labels, folds: params.folds, seed: params.seed)
            columns = fitted!.featureNames
        } else {
            columns = table.header.filter { $0 != target.column && !exclude.contains($0) }
            x = try Dataset.numbers(table, path: trainPath, columns: columns)
        }
        // A transform step's preprocessing is fitted on table columns; computed features get a median imputer
        // and standard scaler fitted here, on the same training rows.
        let preprocess = (featurizer == nil ? given : nil) ?? Preprocess.fit(x, columns: columns, imputer: .median, scale: true)
        guard preprocess.columns == columns else {
            throw MLError("the preprocessing was fitted on other columns than the model's features (\(preprocess.columns.count) vs \(columns.count): first difference '\(zip(preprocess.columns, columns).first { $0 != $1 }.map { "\($0.0) / \($0.1)" } ?? "count")')")
        }
        var xt = x
        preprocess.apply(&xt)
        let width = columns.count
        func rows(_ indices: [Int]) -> [Float] { indices.flatMap { xt[($0 * width)..<(($0 + 1) * width)] } }

        // Every kind is cross-validated (also a single one: its out-of-fold probabilities fit the calibration).
        // Each fold's rows are sliced once and shared by every kind.
        var cv: [(kind: String, f1: Double)] = []
        var outOfFold: [[Float]] = []
        let split = Folds.stratified(labels: labels, k: params.folds, seed: params.seed)
        let folds = split.map { fold in
            (x: rows(fold.train), y: fold.train.map { labels[$0] }, testX: rows(fold.test), testY: fold.test.map { labels[$0] }, test: fold.test)
        }
        var curves = LearningCurves()
        for kind in kinds {
            var total = 0.0
            var scores = [Float](repeating: 0, count: labels.count)
            for (f, fold) in folds.enumerated() {
                // The first fold's training also gives the kind's curve: its watched rows are its own and the fold's test rows.
                let watched = cvCurves != nil && f == 0
                let model = try Classifier.train(kind, x: fold.x, columns: width, labels: fold.y, params: params,
                                                 watch: watched ? [fold.x, fold.testX] : [],
                                                 each: watched ? { step, p in curves.add(kind.rawValue, step: step + 1, p, train: fold.y, validation: fold.testY) } : nil)
                let p = try model.probabilities(fold.testX, columns: width)
                for (r, q) in zip(fold.test, p) { scores[r] = q }
                total += BinaryMetrics(probabilities: p, labels: fold.testY).f1
            }
            cv.append((kind.rawValue, total / Double(folds.count)))
            outOfFold.append(scores)
        }
        let best = cv.indices.max { cv[$0].f1 < cv[$1].f1 || (cv[$0].f1 == cv[$1].f1 && $0 > $1) }!
        let chosen = kinds[best]
        let (calibration, calibrationLogLoss) = Calibration.choose(scores: outOfFold[best], labels: labels, folds: params.folds, seed: params.seed)

        let k = max(2, Int((1 / validationFraction).rounded()))
        let held = Folds.stratified(labels: labels, k: k, seed: params.seed &+ 1)[0]
        let fitX = rows(held.train), fitY = held.train.map { labels[$0] }, valX = rows(held.test), valY = held.test.map { labels[$0] }
        // The curve's model and the final one are trained at once, one thread each: the two trainings do not
        // share data, and one thread per training wastes less on synchronisation than two on each in turn.
        var single = params
        single.xgboost.threads = 1
        let curveJob = BackgroundJob { [single] () throws -> (curve: String, last: [Float]) in
            var curve = LearningCurves()
            var last: [Float] = []
            _ = try Classifier.train(chosen, x: fitX, columns: width, labels: fitY, params: single, watch: [fitX, valX]) { step, p in
                curve.add("", step: step + 1, p, train: fitY, validation: valY)
                last = p[1]
            }
            return (curve.csv, last)
        }
        let fitStart = DispatchTime.now().uptimeNanoseconds
        let finalFit = Result { try Classifier.train(chosen, x: xt, columns: width, labels: labels, params: single) }
        let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - fitStart) / 1e9
        let (curve, last) = try curveJob.wait()
        if let cvCurves { try write(Data(curves.csv.utf8), to: cvCurves) }
        let classifier = try finalFit.get()
        let trained = TrainedModel(kind: chosen, columns: columns, featurizer: fitted, preprocess: preprocess, classifier: classifier,
                                   cv: cv, folds: params.folds, classes: [target.negative, target.positive], calibration: calibration)
        try trained.write(directory: model)
        try write(Data(schemaText(inputs: fitted == nil ? columns : nil, target: target).utf8), to: schema)
        try write(Data(curve.utf8), to: plots)
        return TrainResult(chosen: chosen, cv: cv, validation: BinaryMetrics(probabilities: last, labels: last.isEmpty ? [] : valY),
                           finalFitSeconds: fitSeconds, calibration: calibration, calibrationLogLoss: calibrationLogLoss)
    }

    /// Scores `testPath` with the model directory: metrics (JSON), ROC points (CSV), and inference time per
    /// row (JSON, kept apart because it differs from run to run).
    public static func evaluate(model: String, testPath: String, target: Target, metrics: String, roc: String, timing: String) throws -> BinaryMetrics {
        let trained = try TrainedModel.read(directory: model)
        let table = try Table.read(testPath)
        let labels = try target.labels(table, path: testPath)
        let start = DispatchTime.now().uptimeNanoseconds
        let p = try trained.probabilities(try trained.features(table, path: testPath))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let result = BinaryMetrics(probabilities: p, labels: labels)
        var value = result.value
        if case .map(var entries) = value {
            entries.append(.init("rows", .int(labels.count)))
            entries.append(.init("model", .string(trained.kind.rawValue)))
            value = .map(entries)
        }
        try write(Data(JSONEmitter.emit(value).utf8), to: metrics)
        let points = BinaryMetrics.rocCurve(probabilities: p, labels: labels)
        try write(Data(("fpr,tpr,threshold\n" + points.map { String(format: "%.6f,%.6f,%@", $0.fpr, $0.tpr, $0.threshold.isFinite ? String(format: "%.6f", $0.threshold) : "inf") + "\n" }.joined()).utf8), to: roc)
        try write(Data(JSONEmitter.emit(.map([.init("rows", .int(labels.count)), .init("inference_us_per_row", .double((seconds * 1e6 / Double(max(1, labels.count)) * 1000).rounded() / 1000))])).utf8), to: timing)
        return result
    }

    /// Fits the transform step's preprocessing on a training CSV and writes its directory; returns the
    /// number of feature columns and of missing cells.
    public static func transform(input: String, target: String, exclude: [String], imputer: Preprocess.Imputer, neighbors: Int,
                                 scale: Bool, output: String) throws -> (Int, Int) {
        let table = try Table.read(input)
        _ = try table.column(target, in: input)
        let columns = table.header.filter { $0 != target && !exclude.contains($0) }
        let x = try Dataset.numbers(table, path: input, columns: columns)
        try writeDirectory(Preprocess.fit(x, columns: columns, imputer: imputer, neighbors: neighbors, scale: scale).files, to: output)
        return (columns.count, x.filter(\.isNaN).count)
    }

    /// The factory's cross-validation scores as a metrics file.
    public static func writeCV(_ result: TrainResult, folds: Int, to path: String) throws {
        let value = Value.map([.init("chosen", .string(result.chosen.rawValue)), .init("folds", .int(folds)),
                               .init("f1", .map(result.cv.map { .init($0.kind, .double(($0.f1 * 1e6).rounded() / 1e6)) }))])
        try write(Data(JSONEmitter.emit(value, sortKeys: false).utf8), to: path)
    }

    /// The bundle schema of a trained model: its feature columns (or, with none, a raw `url`) in; the
    /// class name and the positive class's probability out.
    static func schemaText(inputs columns: [String]?, target: Target) -> String {
        let input = columns.map { $0.map { "  - {name: \(YAMLEmitter.string($0)), type: double, nullable: true}\n" }.joined() }
            ?? "  - {name: url, type: string}\n"
        let classes = [target.negative, target.positive].map(YAMLEmitter.string).joined(separator: ", ")
        return "input:\n" + input + "output:\n  - {name: label, type: string, values: [\(classes)]}\n"
            + "  - {name: probability, type: double, min: 0, max: 1, description: \(YAMLEmitter.string("probability of '\(target.positive)'"))}\n"
    }

    /// Writes a directory of files: into a staging directory beside it, then renamed into place, so a
    /// failure leaves the old directory (or none), never a half-written one.
    static func writeDirectory(_ files: [String: [UInt8]], to directory: String) throws(MLError) {
        let target = URL(fileURLWithPath: directory)
        let staging = TemporaryPath.beside(directory)
        let fm = FileManager.default
        do throws(MLError) {
            for (name, bytes) in files.sorted(by: { $0.key < $1.key }) { try write(Data(bytes), to: staging + "/" + name) }
            try? fm.removeItem(at: target)
            do { try fm.moveItem(atPath: staging, toPath: target.path) } catch { throw MLError("cannot move \(staging) to \(directory): \(error)") }
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
    }

    /// Writes an output file atomically (temp + fsync + rename), creating its directory.
    static func write(_ data: Data, to path: String) throws(MLError) {
        do { try AtomicFile.write(data, to: path) } catch { throw MLError("\(error)") }
    }
}
