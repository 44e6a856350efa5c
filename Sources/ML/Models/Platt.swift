import Foundation

/// Platt scaling: maps a decision value f to a probability 1 / (1 + exp(a f + b)), fitted on held-out
/// decision values with Newton's method and a backtracking line search (Lin, Lin and Weng, 2007), with
/// Platt's smoothed targets so a separable fold does not drive the slope to infinity.
public struct Platt: Sendable, Equatable {
    public var a: Double
    public var b: Double

    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    public func probability(_ f: Double) -> Double {
        let z = a * f + b
        return z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
    }

    public static func fit(decisions: [Double], labels: [Float]) -> Platt {
        let positives = Double(labels.filter { $0 == 1 }.count), negatives = Double(labels.count) - positives
        let hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2)
        let t = labels.map { $0 == 1 ? hi : lo }
        var a = 0.0, b = log((negatives + 1) / (positives + 1))
        func objective(_ a: Double, _ b: Double) -> Double {
            var sum = 0.0
            for (f, ti) in zip(decisions, t) {
                let z = a * f + b
                sum += z >= 0 ? ti * z + log1p(exp(-z)) : (ti - 1) * z + log1p(exp(z))
            }
            return sum
        }
        var value = objective(a, b)
        for _ in 0..<100 {
            var h11 = 1e-12, h22 = 1e-12, h21 = 0.0, g1 = 0.0, g2 = 0.0
            for (f, ti) in zip(decisions, t) {
                let z = a * f + b
                let p = z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
                let q = 1 - p, d2 = p * q, d1 = ti - p
                h11 += f * f * d2; h22 += d2; h21 += f * d2
                g1 += f * d1; g2 += d1
            }
            if abs(g1) < 1e-5 && abs(g2) < 1e-5 { break }
            let det = h11 * h22 - h21 * h21
            let da = -(h22 * g1 - h21 * g2) / det, db = -(-h21 * g1 + h11 * g2) / det
            let gd = g1 * da + g2 * db
            var step = 1.0
            while step >= 1e-10 {
                let candidate = objective(a + step * da, b + step * db)
                if candidate < value + 1e-4 * step * gd {
                    a += step * da; b += step * db; value = candidate
                    break
                }
                step /= 2
            }
            if step < 1e-10 { break }
        }
        return Platt(a: a, b: b)
    }

    /// Platt scaling with no intercept (b = 0), so a decision value of 0 stays at probability 0.5: Newton's
    /// method on the slope alone, with Platt's smoothed targets.
    public static func fitThroughMidpoint(decisions: [Double], labels: [Float]) -> Platt {
        let positives = Double(labels.filter { $0 == 1 }.count), negatives = Double(labels.count) - positives
        let hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2)
        let t = labels.map { $0 == 1 ? hi : lo }
        func objective(_ a: Double) -> Double {
            zip(decisions, t).reduce(0) { sum, ft in
                let z = a * ft.0
                return sum + (z >= 0 ? ft.1 * z + log1p(exp(-z)) : (ft.1 - 1) * z + log1p(exp(z)))
            }
        }
        var a = -1.0, value = objective(a)
        for _ in 0..<100 {
            var h = 1e-12, g = 0.0
            for (f, ti) in zip(decisions, t) {
                let z = a * f
                let p = z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
                h += f * f * p * (1 - p)
                g += f * (ti - p)
            }
            if abs(g) < 1e-5 { break }
            let step = -g / h
            var scale = 1.0
            while scale >= 1e-10 {
                let candidate = objective(a + scale * step)
                if candidate < value + 1e-4 * scale * g * step { a += scale * step; value = candidate; break }
                scale /= 2
            }
            if scale < 1e-10 { break }
        }
        return Platt(a: a, b: 0)
    }
}
