/// Gradient-boosted trees through XGBoost.
public struct XGBoostParams: Sendable {
    public var rounds = 200
    public var maxDepth = 6
    public var eta = 0.1
    public var subsample = 1.0
    public var seed: UInt64 = 0
    /// OpenMP threads per training. The trees do not depend on it (hist sums its histograms in a fixed order).
    public var threads = 2
    public init() {}

    var pairs: [(String, String)] {
        [("objective", "binary:logistic"), ("tree_method", "hist"), ("max_depth", String(maxDepth)), ("eta", String(eta)),
         ("subsample", String(subsample)), ("seed", String(seed)), ("nthread", String(threads))]
    }
}
