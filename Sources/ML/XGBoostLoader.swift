import Bundle
import YAML

/// Bundle loader for the `xgboost` flavor: the model's features are the schema's input columns, in order;
/// the outputs are `label` (probability >= 0.5) and `probability`.
public struct XGBoostLoader: ModelLoader {
    public init() {}

    public func load(entry: String, files: [String: [UInt8]], schema: Schema) throws -> any Predictor {
        guard let bytes = files[entry] else { throw MLError("the bundle has no model file \(entry)") }
        return XGBoostPredictor(booster: try XGBooster.load(bytes), columns: schema.input.map(\.name))
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
