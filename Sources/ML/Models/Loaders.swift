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
            return BoostedPredictor(classifier: try Classifier.boosted(bytes, name: entry), columns: inputs)
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

/// Turns input rows into the model's raw feature rows.
enum RowFeatures {
    static func numbers(_ rows: [[Value.Entry]], columns: [String]) throws(MLError) -> [Float] {
        var features: [Float] = []
        features.reserveCapacity(rows.count * columns.count)
        for (r, row) in rows.enumerated() {
            // Rows checked against the schema come in the columns' order: look a key up only when it is elsewhere.
            for (k, name) in columns.enumerated() {
                let value = k < row.count && row[k].key == name ? row[k].value : row.first(where: { $0.key == name })?.value
                features.append(try number(value ?? .null, row: r, column: name))
            }
        }
        return features
    }

    /// `count` rows of cells, row after row, `columns` to a row.
    static func numbers(_ cells: [Value], count: Int, columns: [String]) throws(MLError) -> [Float] {
        guard cells.count == count * columns.count else { throw MLError("\(cells.count) cells are not \(count) rows of \(columns.count) columns") }
        var features: [Float] = []
        features.reserveCapacity(cells.count)
        for (k, cell) in cells.enumerated() {
            features.append(try number(cell, row: k / columns.count, column: columns[k % columns.count]))
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

    func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]] {
        guard model.featurizer != nil else { return try answers(RowFeatures.numbers(rows, columns: model.columns)) }
        return try answers(urls: rows.map { $0.first { $0.key == "url" }?.value ?? .null })
    }

    func predict(cells: [Value], count: Int) throws -> [[Value.Entry]]? {
        guard model.featurizer != nil else { return try answers(RowFeatures.numbers(cells, count: count, columns: model.columns)) }
        // A featurizer's model takes one column, the raw URL.
        guard cells.count == count else { throw MLError("\(cells.count) cells are not \(count) rows of one column 'url'") }
        return try answers(urls: cells)
    }

    private func answers(urls cells: [Value]) throws -> [[Value.Entry]] {
        guard let featurizer = model.featurizer else { throw MLError("this model takes feature rows, not URLs") }
        var urls: [String] = []
        urls.reserveCapacity(cells.count)
        for (r, cell) in cells.enumerated() {
            guard let url = cell.string else { throw MLError("row \(r): 'url' must be a string") }
            urls.append(url)
        }
        return try answers(featurizer.rows(urls))
    }

    private func answers(_ features: [Float]) throws -> [[Value.Entry]] {
        RowFeatures.outputs(try model.probabilities(features), classes: classes)
    }

    var isShareable: Bool { model.classifier.isShareable }
}

/// A bare XGBoost model file whose features are the schema's input columns.
struct BoostedPredictor: Predictor {
    let classifier: Classifier
    let columns: [String]

    func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]] {
        RowFeatures.outputs(try classifier.probabilities(try RowFeatures.numbers(rows, columns: columns), columns: columns.count), classes: nil)
    }

    func predict(cells: [Value], count: Int) throws -> [[Value.Entry]]? {
        RowFeatures.outputs(try classifier.probabilities(try RowFeatures.numbers(cells, count: count, columns: columns), columns: columns.count), classes: nil)
    }

    var isShareable: Bool { classifier.isShareable }
}

extension ModelLoaders {
    /// The loaders this module provides: one per flavor.
    public static var ml: ModelLoaders {
        ModelLoaders(Dictionary(uniqueKeysWithValues: ModelLoaders.flavors.map { ($0, TrainedModelLoader(flavor: $0) as any ModelLoader) }))
    }
}
