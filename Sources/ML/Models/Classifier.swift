/// The model kinds `proj ml train` can fit and compare.
public enum ModelKind: String, Sendable, CaseIterable {
    /// XGBoost gradient-boosted trees.
    case xgboost
    /// XGBoost random forest: one round of `forestTrees` deep parallel trees, each on 80% of the rows, each split
    /// choosing among √p of the p columns (scikit-learn's `max_features="sqrt"`), leaves unregularised.
    case xgboostRF = "xgboost-rf"
    /// liblinear L2 logistic regression.
    case logreg
    /// liblinear L2-loss linear SVM, Platt-calibrated.
    case svm
    /// One hidden layer of ReLU units, RMSprop (Swift).
    case mlp

    /// The bundle flavor whose loader reads it.
    public var flavor: String {
        switch self {
        case .xgboost, .xgboostRF: return "xgboost"
        case .logreg, .svm: return "linear"
        case .mlp: return "mlp"
        }
    }

    var fileName: String {
        switch self {
        case .xgboost, .xgboostRF: return "model.ubj"
        case .logreg, .svm: return "linear.bin"
        case .mlp: return "mlp.bin"
        }
    }
}

/// Hyperparameters of every kind, and the cross-validation that compares them.
public struct FactoryParams: Sendable {
    public var xgboost = XGBoostParams()
    public var forestTrees = 100
    public var forestDepth = 20
    public var c = 1.0
    public var mlp = MLP.Params()
    public var folds = 5
    public var seed: UInt64 = 0
    public init() {}
}

/// A fitted classifier over dense, preprocessed features.
enum Classifier {
    case boosted(XGBooster)
    /// An XGBoost model read back for scoring, walked in Swift (see `TreeEnsemble`).
    case trees(TreeEnsemble)
    case linear(LinearModel)
    case mlp(MLP)

    /// Trains `kind` on `x` (row-major, `columns` wide); `each` receives the step (boosting round or epoch)
    /// and the model's probabilities for each of `watch` after it, for learning curves. Linear models have a
    /// single step.
    static func train(_ kind: ModelKind, x: [Float], columns: Int, labels: [Float], params: FactoryParams,
                      watch: [[Float]] = [], each: ((Int, [[Float]]) throws -> Void)? = nil) throws -> Classifier {
        let eachModel: ((Int, Classifier) throws -> Void)? = each.map { each in
            { step, model in try each(step, try watch.map { try model.probabilities($0, columns: columns) }) }
        }
        switch kind {
        case .xgboost:
            return .boosted(try XGBooster.train(features: x, columns: columns, labels: labels, params: params.xgboost.pairs,
                                                rounds: params.xgboost.rounds, watch: each == nil ? [] : watch, eachRound: each))
        case .xgboostRF:
            // A forest's trees are averaged, not shrunk: no L2 on the leaves, and a small minimum hessian so trees
            // grow deep (a leaf still needs a few rows: each weighs p(1-p) = 0.25 at the start).
            let sqrtColumns = Double(max(1, Int(Double(columns).squareRoot()))) / Double(max(columns, 1))
            let pairs: [(String, String)] = [("objective", "binary:logistic"), ("tree_method", "hist"), ("num_parallel_tree", String(params.forestTrees)),
                                             ("max_depth", String(params.forestDepth)), ("eta", "1"), ("subsample", "0.8"),
                                             ("colsample_bynode", String(sqrtColumns)), ("lambda", "0"), ("min_child_weight", "0.1"),
                                             ("seed", String(params.xgboost.seed)), ("nthread", String(params.xgboost.threads))]
            return .boosted(try XGBooster.train(features: x, columns: columns, labels: labels, params: pairs, rounds: 1,
                                                watch: each == nil ? [] : watch, eachRound: each))
        case .logreg, .svm:
            let model = try LinearModel.train(rows: SparseRows(dense: x, columns: columns), columns: columns, labels: labels,
                                              solver: kind == .logreg ? .logreg : .svm, c: params.c, folds: params.folds, seed: params.seed)
            try eachModel?(0, .linear(model))
            return .linear(model)
        case .mlp:
            var p = params.mlp
            p.seed = params.seed
            return .mlp(try MLP.train(x, columns: columns, labels: labels, params: p) { try eachModel?($0, .mlp($1)) })
        }
    }

    func probabilities(_ x: [Float], columns: Int) throws -> [Float] {
        switch self {
        case .boosted(let booster): return try booster.predict(x, columns: columns)
        case .trees(let trees): return try trees.predict(x, columns: columns)
        case .linear(let model): return model.probabilities(SparseRows(dense: x, columns: columns))
        case .mlp(let net): return net.predict(x)
        }
    }

    func bytes() throws -> [UInt8] {
        switch self {
        case .boosted(let booster): return try booster.save()
        case .trees: throw MLError("a model read back for scoring is not written again: train it to write it")
        case .linear(let model): return model.bytes
        case .mlp(let net): return net.bytes
        }
    }

    static func load(_ kind: ModelKind, bytes: [UInt8], name: String, columns: Int, platt: Platt?) throws(MLError) -> Classifier {
        switch kind {
        case .xgboost, .xgboostRF: return try boosted(bytes, name: name)
        case .logreg, .svm:
            let model = try LinearModel.parse(bytes, name: name, solver: kind == .logreg ? .logreg : .svm, platt: platt)
            guard model.weights.count == columns else { throw MLError("\(name) holds \(model.weights.count) weights for \(columns) features") }
            if kind == .svm, platt == nil { throw MLError("\(name): an SVM needs its Platt calibration in model.json") }
            return .linear(model)
        case .mlp:
            let net = try MLP.parse(bytes, name: name)
            guard net.inputs == columns else { throw MLError("\(name) takes \(net.inputs) inputs, the model has \(columns) features") }
            return .mlp(net)
        }
    }

    /// An XGBoost model for scoring: walked in Swift when `TreeEnsemble` reads it, else by XGBoost.
    static func boosted(_ bytes: [UInt8], name: String) throws(MLError) -> Classifier {
        if let trees = try TreeEnsemble.read(bytes, name: name) { return .trees(trees) }
        return .boosted(try XGBooster.load(bytes))
    }

    /// True when one loaded copy may score on several threads at once (no native handle).
    var isShareable: Bool {
        if case .boosted = self { return false }
        return true
    }

    var platt: Platt? {
        if case .linear(let model) = self { return model.platt }
        return nil
    }
}
