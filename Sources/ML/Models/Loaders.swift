import Bundle
import Tabular
import YAML

/// Bundle loader for the flavors `proj ml train` writes (xgboost, linear, mlp). The entry is a model
/// directory (`model.json` and its files), or for xgboost also a bare UBJSON model file whose features
/// are the schema's input columns, in order. Outputs are `label` (the positive class's name when the
/// probability is 0.5 or more, else the negative's; 1 or 0 for a model without class names) and `probability`
/// (of the positive class).
public struct TrainedModelLoader: ModelLoader {
    public let flavor: String
    public init(flavor: String) { self.flavor = flavor }

    public func load(entry: String, files: [String: [UInt8]], schema: Schema) throws -> any Predictor {
        let inputs = schema.input.map(\.name)
        if let bytes = files[entry] {
            guard flavor == "xgboost" else { throw MLError("a \(flavor) model is a directory written by `proj ml train`, not a single file") }
            return BoostedPredictor(classifier: try Classifier.boosted(bytes, name: entry))
        }
        let model = try TrainedModel.load(files, prefix: entry + "/")
        guard model.kind.flavor == flavor else {
            throw MLError("\(entry)/\(TrainedModel.fileName) holds a \(model.kind.rawValue) model (flavor \(model.kind.flavor)), not flavor \(flavor)")
        }
        guard model.inputs == inputs else {
            throw MLError("the schema's input columns (\(inputs.prefix(4).joined(separator: ", "))\(inputs.count > 4 ? ", ..." : "")) are not the model's (\(model.inputs.prefix(4).joined(separator: ", "))\(model.inputs.count > 4 ? ", ..." : ""))")
        }
        // The schema decides the label's form: the class name when it is a string column, else the index.
        let label = schema.output.first { $0.name == "label" }
        return ModelPredictor(model: model, classes: label?.type == .string ? model.classes : nil)
    }
}

/// Turns a batch into the model's raw feature rows, and probabilities into answers.
enum RowFeatures {
    /// The batch's cells as features, row after row (its columns are the model's, in order).
    static func numbers(_ batch: Batch) throws(MLError) -> [Float] {
        var features: [Float] = []
        features.reserveCapacity(batch.cells.count)
        let width = batch.columns.count
        for (k, cell) in batch.cells.enumerated() {
            features.append(try number(cell, row: k / width, column: batch.columns[k % width]))
        }
        return features
    }

    /// One cell as a feature: numbers as they are, booleans as 1 and 0, null as missing (NaN).
    static func number(_ value: Value, row: Int, column: String) throws(MLError) -> Float {
        switch value {
        case .int(let i): return Float(i)
        case .double(let d): return Float(d)
        case .bool(let b): return b ? 1 : 0
        case .null: return .nan
        default: throw MLError("row \(row), column '\(column)': \(value.inlineText) is not a number")
        }
    }

    static func outputs(_ p: [Float], classes: [String]?) -> [[Value.Entry]] {
        let labels: [Value] = classes.map { $0.map(Value.string) } ?? [.int(0), .int(1)]
        return p.map { [.init("label", labels[$0 >= 0.5 ? 1 : 0]), .init("probability", .double(Double($0)))] }
    }
}

struct ModelPredictor: Predictor {
    let model: TrainedModel
    let classes: [String]?

    func predict(_ batch: Batch) throws -> [[Value.Entry]] {
        let features: [Float]
        if let featurizer = model.featurizer {
            // A featurizer's model takes one column, the raw URL.
            guard batch.columns == ["url"] else { throw MLError("this model takes one column 'url', not \(batch.columns.joined(separator: ", "))") }
            var urls: [String] = []
            urls.reserveCapacity(batch.count)
            for (r, cell) in batch.cells.enumerated() {
                guard let url = cell.string else { throw MLError("row \(r): 'url' must be a string") }
                urls.append(url)
            }
            features = featurizer.rows(urls)
        } else {
            features = try RowFeatures.numbers(batch)
        }
        return RowFeatures.outputs(try model.probabilities(features), classes: classes)
    }

    var isShareable: Bool { model.classifier.isShareable }
}

/// A bare XGBoost model file whose features are the schema's input columns.
struct BoostedPredictor: Predictor {
    let classifier: Classifier

    func predict(_ batch: Batch) throws -> [[Value.Entry]] {
        RowFeatures.outputs(try classifier.probabilities(try RowFeatures.numbers(batch), columns: batch.columns.count), classes: nil)
    }

    var isShareable: Bool { classifier.isShareable }
}

extension ModelLoaders {
    /// The loaders this module provides: one per flavor.
    public static var ml: ModelLoaders {
        ModelLoaders(Dictionary(uniqueKeysWithValues: ModelLoaders.flavors.map { ($0, TrainedModelLoader(flavor: $0) as any ModelLoader) }))
    }
}
