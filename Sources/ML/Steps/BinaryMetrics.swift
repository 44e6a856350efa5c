import YAML

/// Accuracy, precision, recall, F1, ROC AUC, log loss, expected calibration error and the confusion matrix
/// of probabilities against 0/1 labels.
public struct BinaryMetrics: Sendable, Equatable {
    public var accuracy: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var rocAUC: Double
    public var logLoss: Double
    /// Expected calibration error: over ten equal-width bins of the probability, the gap between the share
    /// of positives and the mean probability, weighted by the bin's share of rows.
    public var calibrationError: Double
    /// [[tn, fp], [fn, tp]]
    public var confusion: [[Int]]

    /// `auc: false` skips the ROC AUC (left 0), the one part that sorts.
    public init(probabilities: [Float], labels: [Float], threshold: Float = 0.5, auc: Bool = true) {
        var tp = 0, fp = 0, tn = 0, fn = 0
        var loss = 0.0
        var bins = Array(repeating: (n: 0.0, p: 0.0, y: 0.0), count: 10)
        for (p, y) in zip(probabilities, labels) {
            let b = p.isFinite ? min(9, max(0, Int(Double(p) * 10))) : 0
            bins[b].n += 1; bins[b].p += Double(p); bins[b].y += Double(y)
            let predicted = p >= threshold
            switch (predicted, y == 1) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
            let q = min(max(Double(p), 1e-15), 1 - 1e-15)
            loss -= y == 1 ? log(q) : log(1 - q)
        }
        let n = Double(max(1, labels.count))
        accuracy = Double(tp + tn) / n
        precision = tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
        recall = tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn)
        f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        logLoss = loss / n
        calibrationError = bins.reduce(0) { $0 + abs($1.y - $1.p) } / n
        confusion = [[tn, fp], [fn, tp]]
        rocAUC = auc ? BinaryMetrics.auc(probabilities, labels) : 0
    }

    /// ROC AUC by the rank statistic (ties share their average rank).
    static func auc(_ scores: [Float], _ labels: [Float]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        let positives = labels.filter { $0 == 1 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return 0 }
        let sum = zip(ranks, labels).filter { $0.1 == 1 }.reduce(0) { $0 + $1.0 }
        return (sum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }

    /// ROC curve points (false positive rate, true positive rate, threshold), one per distinct score.
    public static func rocCurve(probabilities: [Float], labels: [Float]) -> [(fpr: Double, tpr: Double, threshold: Float)] {
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        let positives = Double(labels.filter { $0 == 1 }.count), negatives = Double(labels.count) - positives
        var tp = 0.0, fp = 0.0
        var points: [(Double, Double, Float)] = [(0, 0, .infinity)]
        for (k, i) in order.enumerated() {
            if labels[i] == 1 { tp += 1 } else { fp += 1 }
            if k + 1 == order.count || probabilities[order[k + 1]] != probabilities[i] {
                points.append((negatives == 0 ? 0 : fp / negatives, positives == 0 ? 0 : tp / positives, probabilities[i]))
            }
        }
        return points
    }

    /// The metrics as a value (rounded to 6 digits so the file is stable and readable).
    public var value: Value {
        func r(_ d: Double) -> Value { .double((d * 1e6).rounded() / 1e6) }
        return .map([
            .init("accuracy", r(accuracy)), .init("precision", r(precision)), .init("recall", r(recall)), .init("f1", r(f1)),
            .init("roc_auc", r(rocAUC)), .init("log_loss", r(logLoss)), .init("ece", r(calibrationError)),
            .init("confusion_matrix", .map([.init("tn", .int(confusion[0][0])), .init("fp", .int(confusion[0][1])),
                                            .init("fn", .int(confusion[1][0])), .init("tp", .int(confusion[1][1]))])),
        ])
    }
}

#if canImport(Glibc)
import Glibc
#endif
