import CLinear
import Foundation
import Synchronization

/// A thin wrapper over liblinear: sparse rows in, a weight vector and bias out. The only place in this
/// module that touches liblinear's pointers; the fitted model is plain Swift (`LinearModel`).
public enum Liblinear {
    /// rand() is process-wide: the dual solver's trainings are serialized so each sees the same sequence.
    private static let randLock = Mutex(())
    public enum Solver: String, Sendable, CaseIterable {
        /// L2-regularized logistic regression (primal, trust-region Newton).
        case logreg
        /// L2-regularized L2-loss linear SVM (dual coordinate descent).
        case svm

        var code: Int32 {
            switch self {
            case .logreg: return Int32(L2R_LR)
            case .svm: return Int32(L2R_L2LOSS_SVC_DUAL)
            }
        }
    }

    /// Trains on `rows` (column indices from 0 and values) with 0/1 `labels`; returns one weight per column
    /// (`columns` of them) and the bias. Deterministic for a given input order (rand() is re-seeded first).
    public static func train(rows: SparseRows, columns: Int, labels: [Float], solver: Solver, c: Double) throws(MLError) -> (weights: [Double], bias: Double) {
        guard rows.count == labels.count, !labels.isEmpty else { throw MLError("liblinear: \(rows.count) rows but \(labels.count) labels") }
        guard Set(labels).count == 2 else { throw MLError("liblinear: the training rows hold only one class") }
        set_print_string_function { _ in }
        // liblinear rows: 1-based indices, a bias node (index columns + 1), then a -1 terminator.
        var nodes: [feature_node] = []
        nodes.reserveCapacity(rows.values.count + 2 * rows.count)
        var starts: [Int] = []
        for r in 0..<rows.count {
            starts.append(nodes.count)
            for k in rows.range(r) where rows.values[k] != 0 {
                nodes.append(feature_node(index: Int32(rows.indices[k]) + 1, value: Double(rows.values[k])))
            }
            nodes.append(feature_node(index: Int32(columns) + 1, value: 1))
            nodes.append(feature_node(index: -1, value: 0))
        }
        // Label 1 first, so liblinear's first class (whose decision value is w.x) is the positive one.
        var order = Array(0..<labels.count)
        if let first = labels.firstIndex(of: 1), first != 0 { order.swapAt(0, first) }
        var y = order.map { Double(labels[$0]) }
        // Only the dual solver draws from rand(): it re-seeds and trains under the lock, so no other fit can move the
        // sequence under it. The primal logistic regression never touches rand() (not even srand) and runs in parallel.
        func fit() -> (weights: [Double], bias: Double) { nodes.withUnsafeMutableBufferPointer { buffer -> (weights: [Double], bias: Double) in
            var x: [UnsafeMutablePointer<feature_node>?] = order.map { buffer.baseAddress! + starts[$0] }
            return y.withUnsafeMutableBufferPointer { yp in
                x.withUnsafeMutableBufferPointer { xp in
                    var problem = problem(l: Int32(labels.count), n: Int32(columns) + 1, y: yp.baseAddress, x: xp.baseAddress, bias: -1)
                    var parameter = parameter(solver_type: solver.code, eps: solver == .logreg ? 0.01 : 0.1, C: c, nr_weight: 0,
                                              weight_label: nil, weight: nil, p: 0.1, init_sol: nil)
                    var model = CLinear.train(&problem, &parameter)
                    defer { free_and_destroy_model(&model) }
                    let sign: Double = model!.pointee.label[0] == 1 ? 1 : -1
                    let w = (0...columns).map { sign * model!.pointee.w[$0] }
                    return (Array(w[0..<columns]), w[columns])
                }
            }
        } }
        guard solver == .svm else { return fit() }
        return randLock.withLock { _ in
            srand(1)
            return fit()
        }
    }
}

/// Rows of a sparse matrix (CSR): row r holds `indices[start[r]..<start[r+1]]` with their `values`.
public struct SparseRows: Sendable {
    public var start: [Int] = [0]
    public var indices: [Int32] = []
    public var values: [Float] = []
    public init() {}

    public var count: Int { start.count - 1 }
    public func range(_ r: Int) -> Range<Int> { start[r]..<start[r + 1] }

    public mutating func append<I: Collection<Int32>, V: Collection<Float>>(indices i: I, values v: V) {
        indices.append(contentsOf: i)
        values.append(contentsOf: v)
        start.append(indices.count)
    }

    /// Dense rows (`columns` wide) as sparse ones, NaN dropped (a linear model reads a missing value as 0).
    public init(dense: [Float], columns: Int) {
        let rows = columns == 0 ? 0 : dense.count / columns
        for r in 0..<rows {
            for c in 0..<columns where dense[r * columns + c] != 0 && !dense[r * columns + c].isNaN {
                indices.append(Int32(c))
                values.append(dense[r * columns + c])
            }
            start.append(indices.count)
        }
    }

    /// The rows at `rows`, in that order.
    public func subset(_ rows: [Int]) -> SparseRows {
        var out = SparseRows()
        for r in rows { out.append(indices: Array(indices[range(r)]), values: Array(values[range(r)])) }
        return out
    }
}
