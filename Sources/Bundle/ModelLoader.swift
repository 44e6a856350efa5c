import Tabular
import YAML

/// Turns a bundle's model files into something that predicts. The ML layer provides one per
/// flavor (xgboost, linear, mlp); the bundle layer only calls them, to record and to check
/// `selftest.json`.
public protocol ModelLoader: Sendable {
    /// Loads the model whose entry is `entry`, from the bundle's files (entry name -> bytes).
    func load(entry: String, files: [String: [UInt8]], schema: Schema) throws -> any Predictor
}

/// A loaded model.
public protocol Predictor {
    /// One output row (keyed by the schema's output columns) per input row.
    func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]]
    /// True when this one copy may predict on several threads at once (it holds no native handle and
    /// changes nothing when it predicts); false asks for a copy per thread, each used by one at a time.
    var isShareable: Bool { get }
    /// The same answers for `count` rows given as one flat list of cells, row after row, each row holding
    /// the schema's input columns in order, already checked against the schema; nil when this predictor takes
    /// keyed rows only.
    func predict(cells: [Value], count: Int) throws -> [[Value.Entry]]?
}

extension Predictor {
    public var isShareable: Bool { false }
    public func predict(cells: [Value], count: Int) throws -> [[Value.Entry]]? { nil }
}

/// The loaders this build of proj has, by flavor.
public struct ModelLoaders: Sendable {
    public var byFlavor: [String: any ModelLoader]

    public init(_ byFlavor: [String: any ModelLoader] = [:]) {
        self.byFlavor = byFlavor
    }

    /// The flavors a bundle may declare.
    public static let flavors = ["xgboost", "linear", "mlp"]
}
