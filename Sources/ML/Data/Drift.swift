import Foundation
import Tabular

/// Two-sample Kolmogorov–Smirnov test per numeric column.
public enum Drift {
    public struct Result: Sendable, Equatable {
        public var column: String
        public var statistic: Double
        public var pValue: Double
        public var drifted: Bool
    }

    /// The KS statistic D = sup |F1 - F2| of two samples.
    public static func statistic(_ a: [Double], _ b: [Double]) -> Double {
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            let v = min(x[i], y[j])
            while i < x.count && x[i] == v { i += 1 }
            while j < y.count && y[j] == v { j += 1 }
            d = max(d, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return d
    }

    /// The asymptotic p-value of D for samples of sizes n and m (Kolmogorov distribution, with Stephens' correction).
    public static func pValue(_ d: Double, _ n: Int, _ m: Int) -> Double {
        let en = sqrt(Double(n * m) / Double(n + m))
        let lambda = (en + 0.12 + 0.11 / en) * d
        if lambda < 1e-3 { return 1 }
        var sum = 0.0, sign = 1.0
        for k in 1...100 {
            let term = sign * exp(-2 * Double(k * k) * lambda * lambda)
            sum += term
            if abs(term) < 1e-12 { break }
            sign = -sign
        }
        return min(1, max(0, 2 * sum))
    }

    /// KS results for every numeric input column of the schema, between two tables.
    public static func compare(_ a: Table, _ b: Table, schema: Schema, threshold: Double) -> [Result] {
        schema.input.filter { $0.type == .int || $0.type == .double }.compactMap { column in
            guard let i = a.header.firstIndex(of: column.name), let k = b.header.firstIndex(of: column.name) else { return nil }
            let x = a.rows.compactMap { Double($0[i]) }, y = b.rows.compactMap { Double($0[k]) }
            guard !x.isEmpty, !y.isEmpty else { return nil }
            let d = statistic(x, y)
            let p = pValue(d, x.count, y.count)
            return Result(column: column.name, statistic: d, pValue: p, drifted: p < threshold)
        }
    }
}
