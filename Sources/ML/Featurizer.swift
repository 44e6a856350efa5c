import Foundation
import YAML

/// Turns a raw input (the `url` column) into model features; saved beside the model as `featurizer.json`
/// so a bundle can take raw URLs.
public enum Featurizer: String, Sendable, CaseIterable {
    case urlStructure = "url-structure"

    public static let fileName = "featurizer.json"

    public var featureNames: [String] {
        switch self {
        case .urlStructure: return URLStructure.names
        }
    }

    /// The features of one raw input.
    public func features(_ url: String) -> [Double] {
        switch self {
        case .urlStructure: return URLStructure.features(url)
        }
    }

    /// The `featurizer.json` text.
    public var json: String {
        JSONEmitter.emit(.map([.init("featurizer", .string(rawValue)), .init("input", .string("url")),
                               .init("features", .list(featureNames.map(Value.string)))]), sortKeys: false)
    }

    /// Reads `featurizer.json`; its feature list must match this proj's featurizer exactly.
    public static func parse(_ bytes: [UInt8]) throws(MLError) -> Featurizer {
        guard let node = try? YAMLParser.parse(String(decoding: bytes, as: UTF8.self), file: fileName),
              let name = node.value["featurizer"]?.string else { throw MLError("\(fileName) is not readable") }
        guard let featurizer = Featurizer(rawValue: name) else {
            throw MLError("\(fileName) names featurizer '\(name)', unknown to this proj (it has \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard node.value["features"] == .list(featurizer.featureNames.map(Value.string)) else {
            throw MLError("\(fileName) lists other features than this proj's '\(name)' featurizer computes")
        }
        return featurizer
    }

    /// The bundle schema of a model that takes a raw URL.
    static let schemaText = "input:\n  - {name: url, type: string}\noutput:\n  - {name: label, type: int, values: [0, 1]}\n  - {name: probability, type: double, min: 0, max: 1}\n"
}

extension Dataset {
    /// Features computed by `featurizer` from the `url` column, with the target's 0/1 labels.
    public static func featurized(_ table: Table, path: String, featurizer: Featurizer, target: Target) throws(MLError) -> Dataset {
        let u = try table.column("url", in: path), t = try table.column(target.column, in: path)
        var features: [Float] = [], labels: [Float] = []
        features.reserveCapacity(table.rows.count * featurizer.featureNames.count)
        for (r, row) in table.rows.enumerated() {
            labels.append(try target.label(row[t], row: r, path: path))
            features += featurizer.features(row[u]).map(Float.init)
        }
        return Dataset(features: features, columns: featurizer.featureNames, labels: labels)
    }
}
