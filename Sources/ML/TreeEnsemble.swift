import Foundation

/// An XGBoost tree model read from its saved UBJSON and scored in Swift: the same answers as XGBoost's own
/// CPU predictor to the last bit (the same float comparisons, missing values taking each split's default
/// side, leaves summed in tree order onto the base margin, then `1 / (1 + expf(-x))`), without a native
/// handle. It is immutable, so every core scores with the one copy, and a prediction makes no system call.
///
/// It reads binary classifiers (`binary:logistic`, `reg:logistic`) of the `gbtree` booster with numeric
/// splits, which is what `proj ml train` writes; `read` returns nil for anything else (dart, linear boosters,
/// several classes or targets, categorical splits, other objectives), and such a model keeps XGBoost's own
/// predictor.
struct TreeEnsemble: Sendable {
    /// One node; a leaf has `feature` -1 and its value in `value`, a split goes to `left` when the feature is
    /// below `value`, to the default side when it is missing (NaN).
    struct Node: Sendable {
        var feature: Int32
        var left: Int32
        var right: Int32
        var value: Float
        var defaultLeft: Bool
    }

    /// All trees' nodes, each tree's children as indices into this array.
    let nodes: [Node]
    /// Each tree's root, in the model's order.
    let roots: [Int32]
    /// The base score as a margin (XGBoost's `ProbToMargin` of the stored probability).
    let baseMargin: Float
    /// How many features the model splits on (`num_feature`): a row must have at least these.
    let features: Int

    /// The model in `bytes` (XGBoost UBJSON), or nil when it is of a kind this predictor does not score;
    /// throws when the bytes are damaged.
    static func read(_ bytes: [UInt8], name: String) throws(MLError) -> TreeEnsemble? {
        let model = try UBJSON.parse(bytes, name: name)
        func bad(_ reason: String) -> MLError { MLError("\(name) is not a readable XGBoost model: \(reason)") }
        guard let learner = model["learner"], let booster = learner["gradient_booster"], let param = learner["learner_model_param"] else {
            throw bad("it has no learner")
        }
        guard booster["name"]?.text == "gbtree", let objective = learner["objective"]?["name"]?.text,
              ["binary:logistic", "reg:logistic"].contains(objective),
              (Int(param["num_class"]?.text ?? "0") ?? 2) <= 1, (Int(param["num_target"]?.text ?? "1") ?? 2) == 1,
              let trees = booster["model"]?["trees"], case .array(let list) = trees,
              booster["model"]?["tree_info"]?.intValues?.allSatisfy({ $0 == 0 }) ?? false
        else { return nil }
        guard let features = Int(param["num_feature"]?.text ?? ""), features >= 0 else { throw bad("num_feature is not a count") }
        guard let base = Float(param["base_score"]?.text ?? ""), base > 0, base < 1 else { throw bad("base_score is not a probability") }
        var nodes: [Node] = []
        var roots: [Int32] = []
        for (t, tree) in list.enumerated() {
            guard tree["tree_param"]?["size_leaf_vector"]?.text ?? "0" == "0",
                  tree["split_type"]?.intValues?.allSatisfy({ $0 == 0 }) ?? true else { return nil }
            guard let left = tree["left_children"]?.intValues, let right = tree["right_children"]?.intValues,
                  let index = tree["split_indices"]?.intValues, let condition = tree["split_conditions"]?.floatValues,
                  let defaults = tree["default_left"]?.intValues, !left.isEmpty,
                  [right.count, index.count, condition.count, defaults.count].allSatisfy({ $0 == left.count })
            else { throw bad("tree \(t) lacks its node arrays, or they differ in length") }
            // Walked from the root, every reached node once (no cycle, so scoring always ends at a leaf), each split
            // pointing inside the tree and the features. Nodes the root does not reach (pruned ones) are never scored.
            var reached = [Bool](repeating: false, count: left.count)
            var stack = [0]
            while let k = stack.popLast() {
                guard !reached[k] else { throw bad("tree \(t) reaches node \(k) twice") }
                reached[k] = true
                guard left[k] != -1 else { continue }
                guard left[k] >= 0, left[k] < left.count, right[k] >= 0, right[k] < left.count, index[k] >= 0, index[k] < features else {
                    throw bad("tree \(t) node \(k) points outside the tree or the features")
                }
                stack += [left[k], right[k]]
            }
            let offset = nodes.count
            guard offset + left.count < Int(Int32.max) else { throw bad("too many nodes") }
            roots.append(Int32(offset))
            for k in left.indices {
                let split = reached[k] && left[k] != -1
                nodes.append(Node(feature: split ? Int32(index[k]) : -1, left: split ? Int32(offset + left[k]) : -1,
                                  right: split ? Int32(offset + right[k]) : -1, value: condition[k], defaultLeft: defaults[k] != 0))
            }
        }
        return TreeEnsemble(nodes: nodes, roots: roots, baseMargin: -logf(1 / base - 1), features: features)
    }

    /// The probability for each row of `x` (row-major, `columns` wide, NaN for missing).
    func predict(_ x: [Float], columns: Int) throws(MLError) -> [Float] {
        guard columns >= features else { throw MLError("the model splits on \(features) features, the rows have \(columns)") }
        let rows = columns == 0 ? 0 : x.count / columns
        var out = [Float](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { xs in
            nodes.withUnsafeBufferPointer { tree in
                for r in 0..<rows {
                    let row = xs.baseAddress! + r * columns
                    var sum = baseMargin
                    for root in roots {
                        var k = Int(root)
                        while true {
                            let node = tree[k]
                            if node.feature < 0 { sum += node.value; break }
                            let v = row[Int(node.feature)]
                            k = Int(v.isNaN ? (node.defaultLeft ? node.left : node.right) : (v < node.value ? node.left : node.right))
                        }
                    }
                    out[r] = 1 / (1 + expf(-sum))
                }
            }
        }
        return out
    }
}
