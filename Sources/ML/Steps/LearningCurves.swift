import Foundation

/// Learning curves as the factory writes them: per step (boosting round or epoch), train and validation
/// loss, accuracy, precision and recall, for one model or several. A CSV with a `step` column and, per
/// model, `MODEL/train_loss` ... `MODEL/val_recall` (plain `train_loss` ... for the unnamed one); a model
/// without a value at some step leaves its cells empty.
struct LearningCurves {
    static let metrics = ["train_loss", "train_accuracy", "train_precision", "train_recall", "val_loss", "val_accuracy", "val_precision", "val_recall"]

    private(set) var models: [String] = []
    private var rows: [String: [Int: [Double]]] = [:]

    /// Records `model`'s step from its probabilities on the train rows (`p[0]`) and the validation rows (`p[1]`).
    mutating func add(_ model: String, step: Int, _ p: [[Float]], train: [Float], validation: [Float]) {
        // No AUC per step: it is the one metric that sorts, and the curves do not show it.
        let a = BinaryMetrics(probabilities: p[0], labels: train, auc: false), v = BinaryMetrics(probabilities: p[1], labels: validation, auc: false)
        if rows[model] == nil { models.append(model) }
        rows[model, default: [:]][step] = [a.logLoss, a.accuracy, a.precision, a.recall, v.logLoss, v.accuracy, v.precision, v.recall]
    }

    var csv: String {
        let header = ["step"] + models.flatMap { model in LearningCurves.metrics.map { model.isEmpty ? $0 : model + "/" + $0 } }
        var out = header.joined(separator: ",") + "\n"
        let steps = Set(rows.values.flatMap(\.keys)).sorted()
        for step in steps {
            let cells = models.flatMap { model in
                rows[model]?[step].map { $0.map { String(format: "%.6f", $0) } } ?? Array(repeating: "", count: LearningCurves.metrics.count)
            }
            out += ([String(step)] + cells).joined(separator: ",") + "\n"
        }
        return out
    }
}
