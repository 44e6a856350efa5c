import Tabular
import YAML

extension Verifier.LoadedModel {
    /// The model answering with each label as its index among the schema's class names (0 for the first
    /// listed, the negative class, 1 for the positive) instead of the name, for clients that want a number;
    /// its schema says so. Unchanged when the label column lists no class names.
    public func labelsAsIndices() -> Verifier.LoadedModel {
        guard let k = schema.output.firstIndex(where: { $0.name == "label" }), schema.output[k].type == .string,
              let classes = schema.output[k].values else { return self }
        var indexed = self
        indexed.schema.output[k].type = .int
        indexed.schema.output[k].values = classes.indices.map { .int($0) }
        indexed.schema.output[k].description = "index of the class in [" + classes.map(\.inlineText).joined(separator: ", ") + "]"
        indexed.predictors = predictors.map { IndexedLabels(inner: $0, classes: classes) }
        return indexed
    }
}

/// A predictor whose labels are replaced by their index in `classes`.
struct IndexedLabels: Predictor {
    let inner: any Predictor
    let classes: [Value]

    func predict(_ batch: Batch) throws -> [[Value.Entry]] { index(try inner.predict(batch)) }

    var isShareable: Bool { inner.isShareable }

    private func index(_ rows: [[Value.Entry]]) -> [[Value.Entry]] {
        rows.map { row in
            row.map { entry in
                guard entry.key == "label", let i = classes.firstIndex(of: entry.value) else { return entry }
                return .init("label", .int(i))
            }
        }
    }
}
