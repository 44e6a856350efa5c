import Foundation

/// A fitted linear classifier (liblinear logistic regression or linear SVM): weights, bias, and for the
/// SVM a Platt calibration fitted on out-of-fold decision values, so both give probabilities.
public struct LinearModel: Sendable, Equatable {
    public var solver: Liblinear.Solver
    public var weights: [Double]
    public var bias: Double
    public var platt: Platt?

    public func decision(indices: ArraySlice<Int32>, values: ArraySlice<Float>) -> Double {
        var sum = bias
        for (i, v) in zip(indices, values) where Int(i) < weights.count { sum += weights[Int(i)] * Double(v) }
        return sum
    }

    public func probability(_ decision: Double) -> Double {
        if let platt { return platt.probability(decision) }
        return decision >= 0 ? 1 / (1 + exp(-decision)) : exp(decision) / (1 + exp(decision))
    }

    public func decisions(_ rows: SparseRows) -> [Double] {
        (0..<rows.count).map { decision(indices: rows.indices[rows.range($0)], values: rows.values[rows.range($0)]) }
    }

    public func probabilities(_ rows: SparseRows) -> [Float] { decisions(rows).map { Float(probability($0)) } }

    /// Trains on all rows. The SVM is calibrated as scikit-learn's CalibratedClassifierCV(ensemble=False)
    /// does: decision values of `folds`-fold models on their held-out rows fit the sigmoid.
    public static func train(rows: SparseRows, columns: Int, labels: [Float], solver: Liblinear.Solver, c: Double,
                             folds: Int = 5, seed: UInt64 = 0) throws(MLError) -> LinearModel {
        let fit = try Liblinear.train(rows: rows, columns: columns, labels: labels, solver: solver, c: c)
        var model = LinearModel(solver: solver, weights: fit.weights, bias: fit.bias, platt: nil)
        if solver == .svm {
            model.platt = Platt.fit(decisions: try outOfFold(rows: rows, columns: columns, labels: labels, solver: solver, c: c, folds: folds, seed: seed),
                                    labels: labels)
        }
        return model
    }

    /// Each row's decision value from a model trained on the other folds.
    public static func outOfFold(rows: SparseRows, columns: Int, labels: [Float], solver: Liblinear.Solver, c: Double,
                                 folds: Int, seed: UInt64) throws(MLError) -> [Double] {
        var out = [Double](repeating: 0, count: labels.count)
        for fold in Folds.stratified(labels: labels, k: folds, seed: seed) {
            let train = fold.train, held = fold.test
            let fit = try Liblinear.train(rows: rows.subset(train), columns: columns, labels: train.map { labels[$0] }, solver: solver, c: c)
            let m = LinearModel(solver: solver, weights: fit.weights, bias: fit.bias, platt: nil)
            for (r, d) in zip(held, m.decisions(rows.subset(held))) { out[r] = d }
        }
        return out
    }

    /// Weights then bias, as little-endian doubles.
    var bytes: [UInt8] { BinaryFloats.encode(weights + [bias]) }

    static func parse(_ bytes: [UInt8], name: String, solver: Liblinear.Solver, platt: Platt?) throws(MLError) -> LinearModel {
        let values = try BinaryFloats.decode(bytes, name: name)
        guard let bias = values.last else { throw MLError("\(name) is empty") }
        return LinearModel(solver: solver, weights: Array(values.dropLast()), bias: bias, platt: platt)
    }
}

/// Stratified k-fold assignment: each fold keeps the label shares; the same seed gives the same folds.
public enum Folds {
    public static func stratified(labels: [Float], k: Int, seed: UInt64) -> [(train: [Int], test: [Int])] {
        var generator = SeededGenerator(seed: seed)
        var fold = [Int](repeating: 0, count: labels.count)
        for label in Set(labels).sorted() {
            var indices = labels.indices.filter { labels[$0] == label }
            indices.shuffle(using: &generator)
            for (n, i) in indices.enumerated() { fold[i] = n % k }
        }
        return (0..<k).map { f in (labels.indices.filter { fold[$0] != f }, labels.indices.filter { fold[$0] == f }) }
    }
}
