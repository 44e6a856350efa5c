import Bundle
import Foundation
@testable import ML
import Tabular
import Testing
import YAML

/// The model factory's parts on small real slices of the phishing data, and hand-computed cases.
@Suite struct FactoryTests {
    /// The first `rows` rows' 87 features (scaled) and labels, and the next 800 rows held out.
    static func slices(rows: Int = 1500) throws -> (x: [Float], y: [Float], tx: [Float], ty: [Float], columns: [String]) {
        let table = try Table.read(phishingCSV)
        let fit = try Dataset.from(Table(header: table.header, rows: Array(table.rows.prefix(rows))), path: "a", target: "status",
                                   positive: "phishing", negative: "legitimate", exclude: ["url"])
        let held = try Dataset.from(Table(header: table.header, rows: Array(table.rows.suffix(800))), path: "b", target: "status",
                                    positive: "phishing", negative: "legitimate", exclude: ["url"])
        let p = Preprocess.fit(fit.features, columns: fit.columns, imputer: .median, scale: true)
        var x = fit.features, tx = held.features
        p.apply(&x)
        p.apply(&tx)
        return (x, fit.labels, tx, held.labels, fit.columns)
    }

    @Test func imputersAndScalerMatchHandComputedValues() throws {
        let x: [Float] = [1, .nan, 3, 4, 5, 8]
        var median = x
        Preprocess.fit(x, columns: ["a", "b"], imputer: .median, scale: false).apply(&median)
        #expect(median == [1, 6, 3, 4, 5, 8])
        // Row 0's nearest row with b, by nan-euclidean distance on a (sqrt(4 * 2/1) vs sqrt(16 * 2/1)), is row 1.
        var one = x
        Preprocess.fit(x, columns: ["a", "b"], imputer: .knn, neighbors: 1, scale: false).apply(&one)
        #expect(one == [1, 4, 3, 4, 5, 8])
        var two = x
        Preprocess.fit(x, columns: ["a", "b"], imputer: .knn, neighbors: 2, scale: false).apply(&two)
        #expect(two[1] == 6)
        // The scaler is fitted after imputation: a = 1, 3, 5 -> mean 3, std sqrt(8/3).
        let scaled = Preprocess.fit(x, columns: ["a", "b"], imputer: .knn, neighbors: 1, scale: true)
        #expect(scaled.mean?[0] == 3)
        #expect(abs((scaled.std?[0] ?? 0) - (8.0 / 3).squareRoot()) < 1e-12)
        var s = x
        scaled.apply(&s)
        #expect(abs(s[0] + Float(3 / (8.0 / 3).squareRoot() * 2 / 3)) < 1e-6)
        // Stored and read back: the same preprocessing, the KNN reference rows included.
        #expect(try Preprocess.load(scaled.files).files == scaled.files)
        #expect(throws: MLError.self) { try Preprocess.load([Preprocess.fileName: Array(#"{"imputer": "knn", "columns": ["a"], "median": [1], "neighbors": 2}"#.utf8)]) }
    }

    @Test func liblinearModelsAreAccurateDeterministicAndCalibrated() throws {
        let d = try Self.slices()
        for solver in Liblinear.Solver.allCases {
            let rows = SparseRows(dense: d.x, columns: d.columns.count)
            let a = try LinearModel.train(rows: rows, columns: d.columns.count, labels: d.y, solver: solver, c: 1, folds: 3, seed: 1)
            let b = try LinearModel.train(rows: rows, columns: d.columns.count, labels: d.y, solver: solver, c: 1, folds: 3, seed: 1)
            #expect(a.bytes == b.bytes && a.platt == b.platt)
            let p = a.probabilities(SparseRows(dense: d.tx, columns: d.columns.count))
            #expect(BinaryMetrics(probabilities: p, labels: d.ty).accuracy > 0.9, "\(solver)")
            #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 })
            if solver == .svm {
                // Platt's sigmoid rises with the decision value (a < 0), so it keeps the SVM's ranking.
                let platt = try #require(a.platt)
                #expect(platt.a < 0)
                #expect(platt.probability(1) > platt.probability(0) && platt.probability(0) > platt.probability(-1))
            }
        }
        #expect(throws: MLError.self) { try Liblinear.train(rows: SparseRows(dense: [1, 2], columns: 1), columns: 1, labels: [1, 1], solver: .logreg, c: 1) }
    }

    /// The dual SVM shuffles with the process-wide rand(): logistic-regression fits running beside it must not
    /// re-seed or draw from that sequence, or the same SVM would come out different.
    @Test func anSVMFitIsTheSameWhileLogisticRegressionsRunBesideIt() throws {
        let d = try Self.slices(rows: 600)
        let rows = SparseRows(dense: d.x, columns: d.columns.count)
        let alone = try Liblinear.train(rows: rows, columns: d.columns.count, labels: d.y, solver: .svm, c: 1)
        let fits = try Parallel.map(8) { k throws(MLError) in
            try Liblinear.train(rows: rows, columns: d.columns.count, labels: d.y, solver: k.isMultiple(of: 2) ? .svm : .logreg, c: 1)
        }
        for k in stride(from: 0, to: fits.count, by: 2) {
            #expect(fits[k].weights == alone.weights && fits[k].bias == alone.bias, "SVM fit \(k)")
        }
    }

    @Test func plattScalingStaysFiniteOnSeparableScores() {
        let platt = Platt.fit(decisions: [-3, -2, -1, 1, 2, 3], labels: [0, 0, 0, 1, 1, 1])
        #expect(platt.a.isFinite && platt.b.isFinite && platt.a < 0)
        #expect(platt.probability(3) > 0.5 && platt.probability(3) < 1)
    }

    @Test func theMLPLearnsAndTrainsTheSameWeightsTwice() throws {
        let d = try Self.slices()
        var params = MLP.Params()
        params.epochs = 5
        params.seed = 11
        var losses: [Double] = []
        let a = MLP.train(d.x, columns: d.columns.count, labels: d.y, params: params) { _, net in
            losses.append(BinaryMetrics(probabilities: net.predict(d.x), labels: d.y).logLoss)
        }
        let b = MLP.train(d.x, columns: d.columns.count, labels: d.y, params: params)
        #expect(a.bytes == b.bytes)
        #expect(losses.count == 5 && losses.last! < losses.first!)
        #expect(BinaryMetrics(probabilities: a.predict(d.tx), labels: d.ty).accuracy > 0.9)
        #expect(try MLP.parse(a.bytes, name: "mlp.bin") == a)
        #expect(throws: MLError.self) { try MLP.parse(Array(a.bytes.dropLast(8)), name: "mlp.bin") }
    }

    @Test func textVectorizerRowsAreUnitPerPartAndStoredExactly() throws {
        let urls = ["http://a.example.com/login", "https://b.example.org/login.php?id=1", "http://a.example.com/x"]
        let v = TextVectorizer.fit(urls, minDocuments: 1)
        let row = v.transform("http://a.example.com/login")
        let isWord = row.indices.map { v.buckets[Int($0)] >> TextVectorizer.bucketBits != 0 }
        for part in [false, true] {
            let norm = zip(row.values, isWord).filter { $0.1 == part }.reduce(Float(0)) { $0 + $1.0 * $1.0 }
            #expect(abs(norm - 1) < 1e-5)
        }
        #expect(try TextVectorizer.parse(v.bytes, name: "v") == v)
        #expect(throws: MLError.self) { try TextVectorizer.parse(BinaryFloats.encode([5, 1, 3, 1]), name: "v") }
    }

    @Test func theFactoryPicksByCrossValidationAndItsModelDirectoryLoadsBack() throws {
        let (dir, table) = try trainingSlice("factory", rows: 1200)
        var params = FactoryParams()
        params.folds = 3
        params.xgboost.rounds = 30
        params.mlp.epochs = 3
        let result = try Steps.train(trainPath: dir + "/train.csv", target: phishing, exclude: ["url"], kinds: [.xgboost, .logreg, .mlp],
                                     params: params, validationFraction: 0.1, model: dir + "/model", schema: dir + "/schema.yaml", plots: dir + "/curve.csv")
        #expect(result.cv.map(\.kind) == ["xgboost", "logreg", "mlp"])
        let best = result.cv.max { $0.f1 < $1.f1 }!
        #expect(result.chosen.rawValue == best.kind)
        // The learning curve: a header and one line per round (xgboost), epoch (mlp) or a single step (linear).
        let steps = ["xgboost": 30, "logreg": 1, "mlp": 3][best.kind]!
        #expect(try String(contentsOfFile: dir + "/curve.csv", encoding: .utf8).split(separator: "\n").count == steps + 1)

        // Read back and through the bundle loader: the same probabilities for the same rows.
        let model = try TrainedModel.read(directory: dir + "/model")
        #expect(model.kind == result.chosen && model.columns.count == 87)
        let test = Table(header: table.header, rows: Array(table.rows.suffix(50)))
        let p = try model.probabilities(try model.features(test, path: "test"))
        let schema = try Schema.parse(try String(contentsOfFile: dir + "/schema.yaml", encoding: .utf8), file: "schema.yaml")
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/model") {
            files["model/" + name] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/model/" + name)))
        }
        let predictor = try TrainedModelLoader(flavor: model.kind.flavor).load(entry: "model", files: files, schema: schema)
        let columns = schema.input.map(\.name)
        let rows: [[Value.Entry]] = test.rows.map { row in
            columns.map { name in .init(name, .double(Double(row[test.header.firstIndex(of: name)!])!)) }
        }
        let out = try predictor.predict(Batch(rows: rows, columns: schema.input.map(\.name)))
        #expect(out.map { $0.first { $0.key == "probability" }?.value } == p.map { .double(Double($0)) })

        // The wrong flavor, and a damaged directory, are refused by name.
        let other = model.kind.flavor == "mlp" ? "linear" : "mlp"
        #expect(throws: MLError.self) { try TrainedModelLoader(flavor: other).load(entry: "model", files: files, schema: schema) }
        files["model/preprocess.json"] = nil
        do {
            _ = try TrainedModelLoader(flavor: model.kind.flavor).load(entry: "model", files: files, schema: schema)
            Issue.record("loaded without preprocess.json")
        } catch { #expect("\(error)" == "missing model/preprocess.json") }

        // Training again gives the same bytes in every file.
        try Steps.train(trainPath: dir + "/train.csv", target: phishing, exclude: ["url"], kinds: [result.chosen], params: params,
                        validationFraction: 0.1, model: dir + "/again", schema: dir + "/s2.yaml", plots: dir + "/c2.csv")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/model") where name != TrainedModel.fileName {
            #expect(FileManager.default.contents(atPath: dir + "/model/" + name) == FileManager.default.contents(atPath: dir + "/again/" + name), "\(name)")
        }
    }

    @Test func aDamagedModelJSONIsRefusedByName() throws {
        let svm = TrainedModel(kind: .svm, columns: ["a"], featurizer: nil,
                               preprocess: Preprocess.fit([1, 2, 3], columns: ["a"], imputer: .median, scale: true),
                               classifier: .linear(LinearModel(solver: .svm, weights: [1], bias: 0, platt: Platt(a: -2, b: 0.5))), cv: [], folds: 2,
                               classes: ["legitimate", "phishing"], calibration: .isotonic(x: [0.1, 0.9], y: [0.2, 0.8]))
        let files = try svm.files()
        let loaded = try TrainedModel.load(files)
        #expect(try loaded.probabilities([2]) == (try svm.probabilities([2])))
        func message(_ edit: (String) -> String) -> String {
            var damaged = files
            damaged[TrainedModel.fileName] = Array(edit(String(decoding: files[TrainedModel.fileName]!, as: UTF8.self)).utf8)
            do { _ = try TrainedModel.load(damaged); return "ok" } catch { return "\(error)" }
        }
        #expect(message { $0 } == "ok")
        #expect(message { $0.replacingOccurrences(of: "\"kind\": \"svm\"", with: "\"kind\": \"gbm\"") }
                == "model.json: unknown model kind (this proj has xgboost, xgboost-rf, logreg, svm, mlp)")
        #expect(message { $0.replacingOccurrences(of: "\"platt\"", with: "\"plat\"") } == "linear.bin: an SVM needs its Platt calibration in model.json")
        #expect(message { $0.replacingOccurrences(of: "\"a\"\n", with: "\"a\", \"b\"\n") }
                == "preprocess.json was fitted on other columns than the model's")
        #expect(message { $0.replacingOccurrences(of: "\"featurizer\": null", with: "\"featurizer\": \"url-structure\"") } == "missing featurizer.json")
        #expect(message { _ in "{" } == "model.json is not readable")
        #expect(message { $0.replacingOccurrences(of: "\"isotonic\"", with: "\"spline\"") } == "model.json: 'calibration' names no method this proj knows (platt, isotonic)")
        #expect(message { $0.replacingOccurrences(of: "0.8\n", with: "0.1\n") }
                == "model.json: the isotonic calibration's 'x' must increase and its 'y' rise within 0...1, as many of each")
        #expect(message { $0.replacingOccurrences(of: "\"phishing\"", with: "\"legitimate\"") } == "model.json: 'classes' must list two different class names, negative then positive")
        #expect(loaded.classes == ["legitimate", "phishing"] && loaded.calibration == svm.calibration)
    }

    /// Pool adjacent violators by hand on each side of 0.5, the mapping between and beyond the fitted points,
    /// labels kept, and the choice by cross-validated log loss on squashed but informative scores.
    @Test func calibrationKeepsLabelsAndIsChosenByCrossValidation() throws {
        let f = { (x: Double) in Double(Float(x)) }, h = Double(Calibration.belowHalf)
        let iso = try #require(Calibration.fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 1]))
        // Below 0.5: 0 | (1, 0) pooled to 0.5 | 1, each clipped under 0.5; at and above: 1, 1.
        #expect(iso == .isotonic(x: [f(0.1), f(0.2), f(0.3), f(0.4), h, f(0.5), f(0.6)], y: [0, h, h, h, h, 1, 1]))
        #expect(iso.apply(0.05) == 0 && iso.apply(0.9) == 1 && iso.apply(0.45) == Calibration.belowHalf && iso.apply(0.5) == 1)
        // Through the midpoint: 0.5 stays 0.5, and the slope spreads squashed scores.
        let platt = try #require(Calibration.fitPlatt([0.4, 0.45, 0.55, 0.6, 0.42, 0.58], [0, 0, 1, 1, 0, 1]))
        #expect(platt.apply(0.5) == 0.5 && platt.apply(0.6) > 0.6 && platt.apply(0.4) < 0.4)
        // Scores that fall as the labels rise get no Platt mapping (it would turn the classes around).
        #expect(Calibration.fitPlatt([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == nil)
        // Scores squashed into 0.4-0.6 that rank the rows well: calibration spreads them and lowers the log loss.
        var scores: [Float] = [], labels: [Float] = []
        var generator = SeededGenerator(seed: 5)
        for k in 0..<2000 {
            let y: Float = k % 2 == 0 ? 1 : 0
            scores.append(0.5 + (y - 0.5) * 0.1 + Float.random(in: -0.06...0.06, using: &generator))
            labels.append(y)
        }
        let (chosen, losses) = Calibration.choose(scores: scores, labels: labels, folds: 5, seed: 1)
        #expect(losses.map(\.0) == ["none", "platt", "isotonic"])
        let calibrated = scores.map { chosen?.apply($0) ?? $0 }
        #expect(BinaryMetrics(probabilities: calibrated, labels: labels).logLoss < losses[0].1 - 0.1, "\(losses)")
        #expect(zip(scores, calibrated).allSatisfy { ($0 >= 0.5) == ($1 >= 0.5) }, "a label changed")
        // A mapping that never falls: higher scores never get lower probabilities.
        let sorted = scores.sorted()
        let mapping = try #require(chosen)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { mapping.apply($0) <= mapping.apply($1) })
    }

    @Test func preprocessingFittedOnOtherColumnsIsRefused() throws {
        let dir = try scratch("mismatch")
        try "url,a,b,status\nx,1,2,phishing\ny,3,4,legitimate\nz,5,6,phishing\nw,7,8,legitimate\n".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let p = Preprocess.fit([1, 2], columns: ["a"], imputer: .median, scale: true)
        do {
            _ = try Steps.train(trainPath: dir + "/t.csv", target: phishing, exclude: ["url"], kinds: [.logreg], params: FactoryParams(),
                                validationFraction: 0.25, model: dir + "/m", schema: dir + "/s.yaml", plots: dir + "/c.csv", preprocess: p)
            Issue.record("trained with mismatched preprocessing")
        } catch {
            #expect("\(error)".hasPrefix("the preprocessing was fitted on other columns than the model's features (1 vs 2"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/m"))
    }
}
