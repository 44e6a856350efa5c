import CXGBoost
import Foundation

/// XGBoost's functions: every use below follows a successful `XGBoostLibrary.api()` (in `Matrix.init` or `load`).
private var xgb: ProjXGBoostAPI { XGBoostLibrary.bound }

/// A thin wrapper over XGBoost's C API: dense float matrices in, a booster out, UBJSON bytes for storage.
/// The only place in this module that touches C pointers.
public final class XGBooster {
    private var handle: BoosterHandle?
    /// The proxy matrix in-place prediction fills; made once (without one, XGBoost makes a new one per call
    /// and with it re-reads the cgroup CPU quota files).
    private var proxy: DMatrixHandle?

    private static func check(_ code: Int32, _ what: String) throws(MLError) {
        guard code == 0 else { throw MLError("xgboost \(what): \(xgb.XGBGetLastError!().map { String(cString: $0) } ?? "no message")") }
    }

    /// A DMatrix over `rows` x `columns` values (row-major), NaN meaning missing.
    private final class Matrix {
        var handle: DMatrixHandle?
        init(_ values: [Float], rows: Int, columns: Int, labels: [Float]?) throws(MLError) {
            _ = try XGBoostLibrary.api()
            var h: DMatrixHandle?
            try XGBooster.check(values.withUnsafeBufferPointer { xgb.XGDMatrixCreateFromMat!($0.baseAddress, bst_ulong(rows), bst_ulong(columns), .nan, &h) }, "matrix")
            handle = h
            if let labels {
                try XGBooster.check(labels.withUnsafeBufferPointer { xgb.XGDMatrixSetFloatInfo!(h, "label", $0.baseAddress, bst_ulong(labels.count)) }, "labels")
            }
        }
        deinit { _ = xgb.XGDMatrixFree!(handle) }
    }

    private init(handle: BoosterHandle?) {
        self.handle = handle
    }

    deinit {
        if let proxy { _ = xgb.XGDMatrixFree!(proxy) }
        _ = xgb.XGBoosterFree!(handle)
    }

    /// Trains `rounds` boosting rounds on `features` (row-major, `columns` wide) and 0/1 `labels`.
    /// `eachRound` receives the round number and the predictions after it for each of `watch` (row-major
    /// matrices, `columns` wide). Those matrices are in the booster's prediction cache, so each round only
    /// adds its new trees' outputs instead of re-scoring every tree.
    public static func train(features: [Float], columns: Int, labels: [Float], params: [(String, String)], rounds: Int,
                             watch: [[Float]] = [], eachRound: ((Int, [[Float]]) throws -> Void)? = nil) throws -> XGBooster {
        let rows = labels.count
        let train = try Matrix(features, rows: rows, columns: columns, labels: labels)
        let watched = try watch.map { try Matrix($0, rows: columns == 0 ? 0 : $0.count / columns, columns: columns, labels: nil) }
        var h: BoosterHandle?
        var matrices: [DMatrixHandle?] = [train.handle] + watched.map(\.handle)
        try check(matrices.withUnsafeMutableBufferPointer { xgb.XGBoosterCreate!($0.baseAddress, bst_ulong($0.count), &h) }, "create")
        let booster = XGBooster(handle: h)
        for (key, value) in params { try check(xgb.XGBoosterSetParam!(h, key, value), "param \(key)") }
        for round in 0..<rounds {
            try check(xgb.XGBoosterUpdateOneIter!(h, Int32(round), train.handle), "round \(round)")
            if let eachRound { try eachRound(round, try watched.map { try booster.predict($0) }) }
        }
        return booster
    }

    /// Loads a model saved by `save()` for prediction on `threads` threads. One is the default: a loaded
    /// model scores requests of a few rows, where starting OpenMP's team costs more than it saves, and a
    /// server already runs one prediction per core.
    public static func load(_ bytes: [UInt8], threads: Int = 1) throws(MLError) -> XGBooster {
        _ = try XGBoostLibrary.api()
        var h: BoosterHandle?
        try check(xgb.XGBoosterCreate!(nil, 0, &h), "create")
        let booster = XGBooster(handle: h)
        try check(bytes.withUnsafeBytes { xgb.XGBoosterLoadModelFromBuffer!(h, $0.baseAddress, bst_ulong(bytes.count)) }, "load")
        try check(xgb.XGBoosterSetParam!(h, "nthread", String(threads)), "param nthread")
        return booster
    }

    /// The model as UBJSON bytes.
    public func save() throws(MLError) -> [UInt8] {
        var length: bst_ulong = 0
        var pointer: UnsafePointer<CChar>?
        try XGBooster.check(xgb.XGBoosterSaveModelToBuffer!(handle, "{\"format\": \"ubj\"}", &length, &pointer), "save")
        guard let pointer else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { Array(UnsafeBufferPointer(start: $0, count: Int(length))) }
    }

    /// The model's output (a probability for binary:logistic) for each row, predicted in place from the
    /// row-major values (no DMatrix: building one costs more than scoring a few rows).
    public func predict(_ features: [Float], columns: Int) throws(MLError) -> [Float] {
        let rows = columns == 0 ? 0 : features.count / columns
        guard rows > 0 else { return [] }
        if proxy == nil { try XGBooster.check(xgb.XGProxyDMatrixCreate!(&proxy), "proxy matrix") }
        var shape: UnsafePointer<bst_ulong>?
        var dimensions: bst_ulong = 0
        var result: UnsafePointer<Float>?
        try XGBooster.check(features.withUnsafeBufferPointer { values in
            let address = UInt(bitPattern: values.baseAddress)
            let array = "{\"data\": [\(address), true], \"shape\": [\(rows), \(columns)], \"typestr\": \"<f4\", \"version\": 3}"
            return xgb.XGBoosterPredictFromDense!(handle, array, XGBooster.inplaceConfig, proxy, &shape, &dimensions, &result)
        }, "predict")
        guard let result else { return [] }
        return Array(UnsafeBufferPointer(start: result, count: rows))
    }

    private static let inplaceConfig = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}"

    private func predict(_ matrix: Matrix) throws(MLError) -> [Float] {
        var length: bst_ulong = 0
        var result: UnsafePointer<Float>?
        try XGBooster.check(xgb.XGBoosterPredict!(handle, matrix.handle, 0, 0, 0, &length, &result), "predict")
        guard let result else { return [] }
        return Array(UnsafeBufferPointer(start: result, count: Int(length)))
    }
}
