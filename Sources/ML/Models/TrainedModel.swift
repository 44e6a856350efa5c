import Foundation
import Tabular
import YAML

/// What `proj ml train` writes to its model directory, and what the bundle loaders read back:
/// `model.json` (kind, flavor, features, calibration, cross-validation scores), the classifier's file,
/// the fitted preprocessing, and for raw-URL models the featurizer.
public struct TrainedModel {
    public var kind: ModelKind
    /// The feature columns the classifier takes, in order.
    public var columns: [String]
    public var featurizer: Featurizer?
    public var preprocess: Preprocess
    var classifier: Classifier
    /// Mean cross-validated F1 of each candidate, in the order tried.
    public var cv: [(kind: String, f1: Double)]
    public var folds: Int
    /// The class names of the training data, negative then positive (index 1 is the class whose probability
    /// the model gives); nil for a model directory written before they were recorded.
    public var classes: [String]? = nil
    /// Maps the classifier's probabilities to calibrated ones (see `Calibration`); nil: used as they are.
    public var calibration: Calibration? = nil

    public static let fileName = "model.json"

    /// The schema's input columns: `url` for a raw-URL model, else the features.
    public var inputs: [String] { featurizer == nil ? columns : ["url"] }

    /// Probabilities for raw feature rows (row-major): preprocessing, the classifier, its calibration.
    public func probabilities(_ features: [Float]) throws -> [Float] {
        var x = features
        preprocess.apply(&x)
        let p = try classifier.probabilities(x, columns: columns.count)
        return calibration.map { c in p.map(c.apply) } ?? p
    }

    /// The raw feature rows of a table: computed from its `url` column, or read from its feature columns.
    public func features(_ table: Table, path: String) throws(MLError) -> [Float] {
        if let featurizer {
            let u = try table.column("url", in: path)
            return table.rows.flatMap { featurizer.features($0[u]).map(Float.init) }
        }
        return try Dataset.numbers(table, path: path, columns: columns)
    }

    /// The files of the model directory, by name.
    public func files() throws -> [String: [UInt8]] {
        var entries: [Value.Entry] = [.init("kind", .string(kind.rawValue)), .init("flavor", .string(kind.flavor)),
                                      .init("features", .list(columns.map(Value.string))),
                                      .init("featurizer", featurizer.map { .string($0.kind.rawValue) } ?? .null)]
        if let classes { entries.append(.init("classes", .list(classes.map(Value.string)))) }
        if let calibration { entries.append(.init("calibration", calibration.value)) }
        if let platt = classifier.platt { entries.append(.init("platt", .map([.init("a", .double(platt.a)), .init("b", .double(platt.b))]))) }
        entries.append(.init("cross_validation", .map([.init("metric", .string("f1")), .init("folds", .int(folds)),
                                                       .init("mean", .map(cv.map { .init($0.kind, .double($0.f1)) }))])))
        var out = preprocess.files
        out[kind.fileName] = try classifier.bytes()
        out[TrainedModel.fileName] = Array(JSONEmitter.emit(.map(entries), sortKeys: false).utf8)
        if let featurizer { out.merge(featurizer.files) { a, _ in a } }
        return out
    }

    /// Reads a model directory's files (`prefix` is the directory's entry name plus "/").
    public static func load(_ files: [String: [UInt8]], prefix: String = "") throws(MLError) -> TrainedModel {
        let name = prefix + fileName
        guard let bytes = files[name] else { throw MLError("missing \(name): not a model directory written by `proj ml train`") }
        guard let node = try? YAMLParser.parse(String(decoding: bytes, as: UTF8.self), file: name, limits: .untrusted) else { throw MLError("\(name) is not readable") }
        let value: Value = node.value
        guard let kindName = value["kind"]?.string, let kind = ModelKind(rawValue: kindName) else {
            throw MLError("\(name): unknown model kind (this proj has \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let columns = value["features"]?.strings, !columns.isEmpty else { throw MLError("\(name) lists no features") }
        var featurizer: Featurizer?
        if value["featurizer"]?.string != nil {
            featurizer = try Featurizer.load(files, prefix: prefix)
            guard featurizer?.featureNames == columns else { throw MLError("\(name): the features differ from the featurizer's") }
        }
        let preprocess = try Preprocess.load(files, prefix: prefix)
        guard preprocess.columns == columns else { throw MLError("\(prefix + Preprocess.fileName) was fitted on other columns than the model's") }
        var platt: Platt?
        if let a = value["platt"]?["a"]?.number, let b = value["platt"]?["b"]?.number { platt = Platt(a: a, b: b) }
        guard let classifierBytes = files[prefix + kind.fileName] else { throw MLError("missing \(prefix + kind.fileName)") }
        let classifier = try Classifier.load(kind, bytes: classifierBytes, name: prefix + kind.fileName, columns: columns.count, platt: platt)
        var cv: [(String, Double)] = []
        if case .map(let means)? = value["cross_validation"]?["mean"] {
            for entry in means { if let d = entry.value.number { cv.append((entry.key, d)) } }
        }
        let folds: Int
        if case .int(let k)? = value["cross_validation"]?["folds"] { folds = k } else { folds = 0 }
        var classes: [String]?
        if let listed = value["classes"] {
            guard let names = listed.strings, names.count == 2, names[0] != names[1] else {
                throw MLError("\(name): 'classes' must list two different class names, negative then positive")
            }
            classes = names
        }
        let calibration = try value["calibration"].map { v throws(MLError) in try Calibration.parse(v, name: name) }
        return TrainedModel(kind: kind, columns: columns, featurizer: featurizer, preprocess: preprocess, classifier: classifier, cv: cv, folds: folds,
                            classes: classes, calibration: calibration)
    }

    /// Reads a model directory from disk.
    public static func read(directory: String) throws(MLError) -> TrainedModel {
        let url = URL(fileURLWithPath: directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { throw MLError("cannot read model directory \(directory)") }
        var files: [String: [UInt8]] = [:]
        for name in names {
            if let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) { files[name] = [UInt8](data) }
        }
        return try load(files)
    }

    /// Writes the model directory (staged, then renamed into place).
    public func write(directory: String) throws {
        try Steps.writeDirectory(try files(), to: directory)
    }
}

extension Dataset {
    /// The numbers in `columns` of every row (empty cells are missing: NaN).
    static func numbers(_ table: Table, path: String, columns: [String]) throws(MLError) -> [Float] {
        var indices: [Int] = []
        for name in columns { indices.append(try table.column(name, in: path)) }
        var out: [Float] = []
        out.reserveCapacity(indices.count * table.rows.count)
        for (r, row) in table.rows.enumerated() {
            for (k, i) in indices.enumerated() {
                let cell = row[i]
                if cell.isEmpty { out.append(.nan); continue }
                guard let v = Float(cell) else { throw MLError("\(path): row \(r + 2), column '\(columns[k])': '\(cell)' is not a number") }
                out.append(v)
            }
        }
        return out
    }
}
