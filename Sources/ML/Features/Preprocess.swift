import Foundation
import Tabular
import YAML

/// The transform step's fitted state: an imputer (median, or k nearest neighbours as scikit-learn's
/// KNNImputer) and an optional standard scaler, fitted on training rows only and applied the same way at
/// training, evaluation and serving. Stored as `preprocess.json`, plus `preprocess-knn.bin` (the reference
/// rows) for the KNN imputer.
public struct Preprocess: Sendable, Equatable {
    public enum Imputer: String, Sendable, CaseIterable { case none, median, knn }

    public var columns: [String]
    public var imputer: Imputer
    public var neighbors: Int
    public var medians: [Double]
    /// KNN reference rows (row-major, raw values, NaN for missing).
    var reference: [Float]
    public var mean: [Double]?
    public var std: [Double]?

    public static let fileName = "preprocess.json"
    static let knnFileName = "preprocess-knn.bin"

    /// Fits on `x` (row-major, `columns.count` wide, NaN missing).
    public static func fit(_ x: [Float], columns: [String], imputer: Imputer, neighbors: Int = 5, scale: Bool) -> Preprocess {
        let width = columns.count
        let rows = width == 0 ? 0 : x.count / width
        var medians: [Double] = []
        for c in 0..<width {
            let seen = (0..<rows).map { x[$0 * width + c] }.filter { !$0.isNaN }.sorted()
            medians.append(seen.isEmpty ? 0 : seen.count % 2 == 1 ? Double(seen[seen.count / 2]) : (Double(seen[seen.count / 2 - 1]) + Double(seen[seen.count / 2])) / 2)
        }
        var p = Preprocess(columns: columns, imputer: imputer, neighbors: neighbors, medians: medians,
                           reference: imputer == .knn ? x : [], mean: nil, std: nil)
        if scale {
            var filled = x
            p.impute(&filled)
            var mean: [Double] = [], std: [Double] = []
            for c in 0..<width {
                var s = 0.0, s2 = 0.0
                for r in 0..<rows { let v = Double(filled[r * width + c]); s += v; s2 += v * v }
                let m = rows == 0 ? 0 : s / Double(rows)
                let variance = rows == 0 ? 0 : max(0, s2 / Double(rows) - m * m)
                mean.append(m)
                std.append(variance > 1e-24 ? variance.squareRoot() : 1)
            }
            p.mean = mean
            p.std = std
        }
        return p
    }

    /// Imputes then scales `x` in place.
    public func apply(_ x: inout [Float]) {
        impute(&x)
        guard let mean, let std else { return }
        let width = columns.count
        for k in x.indices { let c = k % width; x[k] = Float((Double(x[k]) - mean[c]) / std[c]) }
    }

    func impute(_ x: inout [Float]) {
        let width = columns.count
        guard width > 0, imputer != .none else { return }
        let rows = x.count / width
        for r in 0..<rows {
            let base = r * width
            let missing = (0..<width).filter { x[base + $0].isNaN }
            guard !missing.isEmpty else { continue }
            if imputer == .knn { imputeKNN(&x, base: base, missing: missing) } else {
                for c in missing { x[base + c] = Float(medians[c]) }
            }
        }
    }

    /// scikit-learn's KNNImputer: nan-euclidean distance over the coordinates both rows have, scaled up
    /// by the share of coordinates present; the mean of the `neighbors` nearest reference rows that have
    /// the column; the median when none has it.
    private func imputeKNN(_ x: inout [Float], base: Int, missing: [Int]) {
        let width = columns.count
        let refRows = reference.count / width
        var distances: [(Double, Int)] = []
        distances.reserveCapacity(refRows)
        for r in 0..<refRows {
            var sum = 0.0, present = 0
            for c in 0..<width {
                let a = x[base + c], b = reference[r * width + c]
                if a.isNaN || b.isNaN { continue }
                sum += Double(a - b) * Double(a - b)
                present += 1
            }
            guard present > 0 else { continue }
            distances.append(((sum * Double(width) / Double(present)).squareRoot(), r))
        }
        distances.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for c in missing {
            let donors = distances.lazy.filter { !self.reference[$0.1 * width + c].isNaN }.prefix(neighbors)
            let values = donors.map { Double(reference[$0.1 * width + c]) }
            x[base + c] = Float(values.isEmpty ? medians[c] : values.reduce(0, +) / Double(values.count))
        }
    }

    /// The files that store it, by name.
    public var files: [String: [UInt8]] {
        var entries: [Value.Entry] = [.init("imputer", .string(imputer.rawValue)), .init("columns", .list(columns.map(Value.string))),
                                      .init("median", .list(medians.map(Value.double)))]
        if imputer == .knn { entries.append(.init("neighbors", .int(neighbors))) }
        if let mean, let std {
            entries.append(.init("scaler", .map([.init("mean", .list(mean.map(Value.double))), .init("std", .list(std.map(Value.double)))])))
        }
        var out = [Preprocess.fileName: Array(JSONEmitter.emit(.map(entries), sortKeys: false).utf8)]
        if imputer == .knn { out[Preprocess.knnFileName] = BinaryFloats.encode(reference.map(Double.init)) }
        return out
    }

    public static func load(_ files: [String: [UInt8]], prefix: String = "") throws(MLError) -> Preprocess {
        let name = prefix + fileName
        guard let bytes = files[name] else { throw MLError("missing \(name)") }
        guard let node = try? YAMLParser.parse(String(decoding: bytes, as: UTF8.self), file: name, limits: .untrusted) else {
            throw MLError("\(name) is not readable")
        }
        let value: Value = node.value
        let imputerName: String? = value["imputer"]?.string
        let columns: [String] = value["columns"]?.strings ?? []
        let medians: [Double] = value["median"]?.doubles ?? []
        guard let imputer = imputerName.flatMap(Imputer.init(rawValue:)), !columns.isEmpty, medians.count == columns.count else {
            throw MLError("\(name) is not a preprocess file of this proj")
        }
        var p = Preprocess(columns: columns, imputer: imputer, neighbors: 5, medians: medians, reference: [], mean: nil, std: nil)
        if let scaler: Value = value["scaler"] {
            let mean: [Double] = scaler["mean"]?.doubles ?? [], std: [Double] = scaler["std"]?.doubles ?? []
            guard mean.count == columns.count, std.count == columns.count,
                  std.allSatisfy({ $0 > 0 }) else { throw MLError("\(name): the scaler needs a mean and a positive std per column") }
            p.mean = mean
            p.std = std
        }
        if imputer == .knn {
            guard case .int(let k)? = value["neighbors"], k > 0 else { throw MLError("\(name): the KNN imputer needs neighbors > 0") }
            p.neighbors = k
            guard let ref = files[prefix + knnFileName] else { throw MLError("missing \(prefix + knnFileName)") }
            let values = try BinaryFloats.decode(ref, name: prefix + knnFileName)
            guard columns.isEmpty || values.count % columns.count == 0 else { throw MLError("\(prefix + knnFileName) does not hold whole rows") }
            p.reference = values.map(Float.init)
        }
        return p
    }
}

extension Value {
    /// A list of strings (nil when any item is not a string).
    var strings: [String]? {
        guard case .list(let items) = self else { return nil }
        let out = items.compactMap(\.string)
        return out.count == items.count ? out : nil
    }

    /// A list of numbers as doubles (nil when any item is not a number).
    var doubles: [Double]? {
        guard case .list(let items) = self else { return nil }
        let out = items.compactMap(\.number)
        return out.count == items.count ? out : nil
    }
}

extension Preprocess {
    /// Reads a directory written by `proj ml transform`.
    public static func read(directory: String) throws(MLError) -> Preprocess {
        var files: [String: [UInt8]] = [:]
        for name in [fileName, knnFileName] {
            if let data = FileManager.default.contents(atPath: directory + "/" + name) { files[name] = [UInt8](data) }
        }
        guard !files.isEmpty else { throw MLError("\(directory) holds no \(fileName): run `proj ml transform` first") }
        return try load(files)
    }
}
