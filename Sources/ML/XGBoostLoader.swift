import Bundle
import YAML

/// Bundle loader for the `xgboost` flavor: the model's features are the schema's input columns, in order;
/// the outputs are `label` (probability >= 0.5) and `probability`.
public struct XGBoostLoader: ModelLoader {
    public init() {}

    /// The entry is a model file, or a directory with `model.ubj` and, for raw-URL models, `featurizer.json`.
    public func load(entry: String, files: [String: [UInt8]], schema: Schema) throws -> any Predictor {
        if let bytes = files[entry] {
            return XGBoostPredictor(booster: try XGBooster.load(bytes), columns: schema.input.map(\.name))
        }
        guard let bytes = files[entry + "/model.ubj"] else { throw MLError("the bundle has no model file \(entry) or \(entry)/model.ubj") }
        let booster = try XGBooster.load(bytes)
        guard let spec = files[entry + "/" + Featurizer.fileName] else {
            return XGBoostPredictor(booster: booster, columns: schema.input.map(\.name))
        }
        let featurizer = try Featurizer.parse(spec)
        guard schema.input.map(\.name) == ["url"] else { throw MLError("a model with a featurizer must take one input column, url") }
        return FeaturizedPredictor(booster: booster, featurizer: featurizer)
    }
}

/// A model over features computed from a raw URL.
struct FeaturizedPredictor: Predictor {
    let booster: XGBooster
    let featurizer: Featurizer

    func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]] {
        var features: [Float] = []
        for (r, row) in rows.enumerated() {
            guard let url = row.first(where: { $0.key == "url" })?.value.string else { throw MLError("row \(r): 'url' must be a string") }
            features += featurizer.features(url).map(Float.init)
        }
        return try booster.predict(features, columns: featurizer.featureNames.count).map {
            [.init("label", .int($0 >= 0.5 ? 1 : 0)), .init("probability", .double(Double($0)))]
        }
    }
}

struct XGBoostPredictor: Predictor {
    let booster: XGBooster
    let columns: [String]

    func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]] {
        var features: [Float] = []
        features.reserveCapacity(rows.count * columns.count)
        for (r, row) in rows.enumerated() {
            for name in columns {
                switch row.first(where: { $0.key == name })?.value {
                case .int(let i)?: features.append(Float(i))
                case .double(let d)?: features.append(Float(d))
                case .bool(let b)?: features.append(b ? 1 : 0)
                case .null?, nil: features.append(.nan)
                case let other?: throw MLError("row \(r), column '\(name)': \(other.inlineText) is not a number")
                }
            }
        }
        let p = try booster.predict(features, columns: columns.count)
        return p.map { [.init("label", .int($0 >= 0.5 ? 1 : 0)), .init("probability", .double(Double($0)))] }
    }
}

extension ModelLoaders {
    /// The loaders this module provides.
    public static var ml: ModelLoaders { ModelLoaders(["xgboost": XGBoostLoader()]) }
}
