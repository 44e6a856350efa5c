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
    /// One output row (keyed by the schema's output columns) per row of `batch`: its one entry point, whatever
    /// read the rows.
    func predict(_ batch: Batch) throws -> [[Value.Entry]]
    /// True when this one copy may predict on several threads at once (it holds no native handle and
    /// changes nothing when it predicts); false asks for a copy per thread, each used by one at a time.
    var isShareable: Bool { get }
}

extension Predictor {
    public var isShareable: Bool { false }
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
