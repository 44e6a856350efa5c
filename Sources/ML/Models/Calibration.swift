import Foundation
import YAML

/// Maps a classifier's probability to a calibrated one. Fitted on the training rows' out-of-fold
/// probabilities: Platt scaling on their logit, or isotonic regression (pool adjacent violators, linear
/// between the fitted points, flat beyond them), whichever has the lower cross-validated log loss.
public enum Calibration: Sendable, Equatable {
    case platt(Platt)
    /// Increasing scores and their calibrated probabilities.
    case isotonic(x: [Double], y: [Double])

    public var method: String {
        switch self {
        case .platt: return "platt"
        case .isotonic: return "isotonic"
        }
    }

    public func apply(_ p: Float) -> Float {
        switch self {
        case .platt(let platt): return Float(platt.probability(Calibration.logit(p)))
        case .isotonic(let x, let y):
            let s = Double(p)
            guard let last = x.last, s > x[0] else { return Float(y[0]) }
            guard s < last else { return Float(y[y.count - 1]) }
            var lo = 0, hi = x.count - 1  // x[lo] < s <= x[hi]
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if x[mid] < s { lo = mid } else { hi = mid }
            }
            return Float(y[lo] + (y[hi] - y[lo]) * (s - x[lo]) / (x[hi] - x[lo]))
        }
    }

    static func logit(_ p: Float) -> Double {
        let q = min(max(Double(p), 1e-7), 1 - 1e-7)
        return log(q / (1 - q))
    }

    static func fitPlatt(_ scores: [Float], _ labels: [Float]) -> Calibration {
        .platt(Platt.fit(decisions: scores.map(logit), labels: labels))
    }

    static func fitIsotonic(_ scores: [Float], _ labels: [Float]) -> Calibration {
        let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        // Blocks of equal scores first, then adjacent blocks pooled while their means decrease.
        var blocks: [(sum: Double, n: Double, low: Double, high: Double)] = []
        for i in order {
            let s = Double(scores[i]), y = Double(labels[i])
            if let last = blocks.last, last.high == s { blocks[blocks.count - 1].sum += y; blocks[blocks.count - 1].n += 1 } else { blocks.append((y, 1, s, s)) }
            while blocks.count > 1, blocks[blocks.count - 2].sum / blocks[blocks.count - 2].n >= blocks[blocks.count - 1].sum / blocks[blocks.count - 1].n {
                let b = blocks.removeLast()
                blocks[blocks.count - 1].sum += b.sum
                blocks[blocks.count - 1].n += b.n
                blocks[blocks.count - 1].high = b.high
            }
        }
        var x: [Double] = [], y: [Double] = []
        for b in blocks {
            x.append(b.low); y.append(b.sum / b.n)
            if b.high > b.low { x.append(b.high); y.append(b.sum / b.n) }
        }
        return .isotonic(x: x, y: y)
    }

    /// The cross-validated log loss of each method (and of none) on out-of-fold `scores`, and the chosen
    /// calibration: the method with the lowest log loss among those that also classify as many held-out rows
    /// right as the scores do (calibration is for the probabilities, not a trade of accuracy for them); nil
    /// when neither qualifies.
    public static func choose(scores: [Float], labels: [Float], folds: Int, seed: UInt64) -> (chosen: Calibration?, logLoss: [(String, Double)]) {
        let split = Folds.stratified(labels: labels, k: max(2, folds), seed: seed &+ 2)
        let fits: [(String, ([Float], [Float]) -> Calibration)] = [("platt", fitPlatt), ("isotonic", fitIsotonic)]
        var loss = [Double](repeating: 0, count: fits.count), right = [Int](repeating: 0, count: fits.count)
        for fold in split {
            let trainS = fold.train.map { scores[$0] }, trainY = fold.train.map { labels[$0] }
            let testS = fold.test.map { scores[$0] }, testY = fold.test.map { labels[$0] }
            for (m, fit) in fits.enumerated() {
                let p = testS.map(fit.1(trainS, trainY).apply)
                loss[m] += BinaryMetrics(probabilities: p, labels: testY, auc: false).logLoss
                right[m] += zip(p, testY).filter { ($0 >= 0.5) == ($1 == 1) }.count
            }
        }
        let none = BinaryMetrics(probabilities: scores, labels: labels, auc: false).logLoss
        let noneRight = zip(scores, labels).filter { ($0 >= 0.5) == ($1 == 1) }.count
        let k = Double(split.count)
        let losses = [("none", none)] + fits.indices.map { (fits[$0].0, loss[$0] / k) }
        let qualified = fits.indices.filter { loss[$0] / k < none && right[$0] >= noneRight }
        guard let best = qualified.min(by: { loss[$0] < loss[$1] }) else { return (nil, losses) }
        return (fits[best].1(scores, labels), losses)
    }

    /// As model.json keeps it.
    var value: Value {
        switch self {
        case .platt(let p): return .map([.init("method", .string("platt")), .init("a", .double(p.a)), .init("b", .double(p.b))])
        case .isotonic(let x, let y):
            return .map([.init("method", .string("isotonic")), .init("x", .list(x.map(Value.double))), .init("y", .list(y.map(Value.double)))])
        }
    }

    static func parse(_ value: Value, name: String) throws(MLError) -> Calibration {
        switch value["method"]?.string {
        case "platt":
            guard let a = value["a"]?.number, let b = value["b"]?.number, a.isFinite, b.isFinite else { throw MLError("\(name): a Platt calibration needs finite 'a' and 'b'") }
            return .platt(Platt(a: a, b: b))
        case "isotonic":
            guard case .list(let xs)? = value["x"], case .list(let ys)? = value["y"] else { throw MLError("\(name): an isotonic calibration needs lists 'x' and 'y'") }
            let x = xs.compactMap(\.number), y = ys.compactMap(\.number)
            guard !x.isEmpty, x.count == xs.count, y.count == ys.count, x.count == y.count, zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }),
                  zip(y, y.dropFirst()).allSatisfy({ $0 <= $1 }), y.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw MLError("\(name): the isotonic calibration's 'x' must increase and its 'y' rise within 0...1, as many of each")
            }
            return .isotonic(x: x, y: y)
        default:
            throw MLError("\(name): 'calibration' names no method this proj knows (platt, isotonic)")
        }
    }
}
