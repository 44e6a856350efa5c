import Foundation

/// A fitted linear classifier (liblinear logistic regression or linear SVM): weights, bias, and for the
/// SVM a Platt calibration fitted on out-of-fold decision values, so both give probabilities.
public struct LinearModel: Sendable, Equatable {
    public var solver: Liblinear.Solver
    public var weights: [Double]
    public var bias: Double
    public var platt: Platt?

    /// The bias plus each weight times its value, summed in the row's order.
    public func decision<I: Collection<Int32>, V: Collection<Float>>(indices: I, values: V) -> Double {
        weights.withUnsafeBufferPointer { weights in
            var sum = bias
            for (i, v) in zip(indices, values) where Int(i) < weights.count { sum += weights[Int(i)] * Double(v) }
            return sum
        }
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
        guard solver == .svm else {
            let fit = try Liblinear.train(rows: rows, columns: columns, labels: labels, solver: solver, c: c)
            return LinearModel(solver: solver, weights: fit.weights, bias: fit.bias, platt: nil)
        }
        var (model, decisions) = try withOutOfFold(rows: rows, columns: columns, labels: labels, solver: solver, c: c, folds: folds, seed: seed)
        model.platt = Platt.fit(decisions: decisions, labels: labels)
        return model
    }

    /// A model trained on all rows, and each row's decision value from a model trained on the other folds;
    /// the `folds` + 1 fits run in parallel.
    public static func withOutOfFold(rows: SparseRows, columns: Int, labels: [Float], solver: Liblinear.Solver, c: Double,
                                     folds: Int, seed: UInt64) throws(MLError) -> (LinearModel, [Double]) {
        let split = Folds.stratified(labels: labels, k: folds, seed: seed)
        let fits = try Parallel.map(split.count + 1) { k throws(MLError) in
            let train = k < split.count ? split[k].train : Array(labels.indices)
            let fit = try Liblinear.train(rows: k < split.count ? rows.subset(train) : rows, columns: columns,
                                          labels: train.map { labels[$0] }, solver: solver, c: c)
            return LinearModel(solver: solver, weights: fit.weights, bias: fit.bias, platt: nil)
        }
        var out = [Double](repeating: 0, count: labels.count)
        for (fold, model) in zip(split, fits) {
            for (r, d) in zip(fold.test, model.decisions(rows.subset(fold.test))) { out[r] = d }
        }
        return (fits[split.count], out)
    }

    /// Weights then bias, as little-endian doubles.
    var bytes: [UInt8] { BinaryFloats.encode(weights + [bias]) }

    static func parse(_ bytes: [UInt8], name: String, solver: Liblinear.Solver, platt: Platt?) throws(MLError) -> LinearModel {
        let values = try BinaryFloats.decode(bytes, name: name)
        guard let bias = values.last else { throw MLError("\(name) is empty") }
        return LinearModel(solver: solver, weights: Array(values.dropLast()), bias: bias, platt: platt)
    }
}

