import Foundation
import YAML

/// Maps a classifier's probability to a calibrated one, keeping every label: a probability below 0.5 stays
/// below it, one at or above stays there, so calibration changes what the probabilities say, never which class
/// a row gets (accuracy, precision and recall are the same with and without it). Fitted on the training rows'
/// out-of-fold probabilities: Platt scaling through the midpoint (p -> 1 / (1 + exp(a logit p)), a temperature
/// on the logit), or isotonic regression fitted on each side of 0.5 (pool adjacent violators, linear between
/// the fitted points, flat beyond them), whichever has the lower cross-validated log loss.
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

    /// The largest Float below 0.5: where a score under 0.5 may be mapped at most.
    static let belowHalf = Float(0.5).nextDown

    public func apply(_ p: Float) -> Float {
        let q: Float
        switch self {
        case .platt(let platt): q = Float(platt.probability(Calibration.logit(p)))
        case .isotonic(let x, let y):
            let s = Double(p)
            if s <= x[0] {
                q = Float(y[0])
            } else if s >= x[x.count - 1] {
                q = Float(y[y.count - 1])
            } else {
                var lo = 0, hi = x.count - 1  // x[lo] < s <= x[hi]
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if x[mid] < s { lo = mid } else { hi = mid }
                }
                q = Float(y[lo] + (y[hi] - y[lo]) * (s - x[lo]) / (x[hi] - x[lo]))
            }
        }
        // The fits keep each side of 0.5; this keeps it through rounding too.
        return p >= 0.5 ? max(q, 0.5) : min(q, Calibration.belowHalf)
    }

    static func logit(_ p: Float) -> Double {
        let q = min(max(Double(p), 1e-7), 1 - 1e-7)
        return log(q / (1 - q))
    }

    /// Nil when the scores fall as the labels rise (a slope that would turn the classes around).
    static func fitPlatt(_ scores: [Float], _ labels: [Float]) -> Calibration? {
        let platt = Platt.fitThroughMidpoint(decisions: scores.map(logit), labels: labels)
        return platt.a < 0 ? .platt(platt) : nil
    }

    static func fitIsotonic(_ scores: [Float], _ labels: [Float]) -> Calibration? {
        let below = scores.indices.filter { scores[$0] < 0.5 }, above = scores.indices.filter { scores[$0] >= 0.5 }
        let low = pooled(below.map { scores[$0] }, below.map { labels[$0] }), high = pooled(above.map { scores[$0] }, above.map { labels[$0] })
        // Each side clipped to its half, and joined at 0.5 (no Float score lies between belowHalf and 0.5).
        var x = low.x, y = low.y.map { min($0, Double(belowHalf)) }
        if x.last != Double(belowHalf) { x.append(Double(belowHalf)); y.append(y.last ?? Double(belowHalf)) }
        let highY = high.y.map { max($0, 0.5) }
        if high.x.first != 0.5 { x.append(0.5); y.append(highY.first ?? 0.5) }
        return .isotonic(x: x + high.x, y: y + highY)
    }

    /// Pool adjacent violators: blocks of equal scores, then adjacent blocks pooled while their means fall;
    /// each block's lowest and highest score with its mean.
    static func pooled(_ scores: [Float], _ labels: [Float]) -> (x: [Double], y: [Double]) {
        let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
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
        return (x, y)
    }

    /// The cross-validated log loss of each method (and of none) on out-of-fold `scores`, and the chosen
    /// calibration: the method with the lowest, or nil when neither beats the scores as they are.
    public static func choose(scores: [Float], labels: [Float], folds: Int, seed: UInt64) -> (chosen: Calibration?, logLoss: [(String, Double)]) {
        let split = Folds.stratified(labels: labels, k: max(2, folds), seed: seed &+ 2)
        let fits: [(String, ([Float], [Float]) -> Calibration?)] = [("platt", fitPlatt), ("isotonic", fitIsotonic)]
        var loss = [Double](repeating: 0, count: fits.count), usable = [Bool](repeating: true, count: fits.count)
        for fold in split {
            let trainS = fold.train.map { scores[$0] }, trainY = fold.train.map { labels[$0] }
            let testS = fold.test.map { scores[$0] }, testY = fold.test.map { labels[$0] }
            for (m, fit) in fits.enumerated() {
                guard let calibration = fit.1(trainS, trainY) else { usable[m] = false; continue }
                loss[m] += BinaryMetrics(probabilities: testS.map(calibration.apply), labels: testY, auc: false).logLoss
            }
        }
        let none = BinaryMetrics(probabilities: scores, labels: labels, auc: false).logLoss
        let k = Double(split.count)
        let losses = [("none", none)] + fits.indices.filter { usable[$0] }.map { (fits[$0].0, loss[$0] / k) }
        guard let best = fits.indices.filter({ usable[$0] && loss[$0] / k < none }).min(by: { loss[$0] < loss[$1] }) else { return (nil, losses) }
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
