import Foundation

/// A one-hidden-layer network (ReLU units, one sigmoid output) trained with binary cross-entropy and
/// RMSprop on mini-batches, as the seeds' Keras model: 64 units, learning rate 0.001, rho 0.9, 10 epochs,
/// batch 32. Glorot-uniform weights and the batch order come from a seeded generator, so the same data
/// and seed give the same weights.
public struct MLP: Sendable, Equatable {
    public var inputs: Int
    public var hidden: Int
    /// hidden x inputs, row-major.
    var w1: [Float]
    var b1: [Float]
    var w2: [Float]
    var b2: Float

    public struct Params: Sendable {
        public var hidden = 64
        public var epochs = 10
        public var batch = 32
        public var learningRate: Float = 0.001
        public var rho: Float = 0.9
        public var epsilon: Float = 1e-7
        public var seed: UInt64 = 0
        public init() {}
    }

    public init(inputs: Int, hidden: Int, seed: UInt64) {
        self.inputs = inputs
        self.hidden = hidden
        var g = SeededGenerator(seed: seed)
        func uniform(_ limit: Float) -> Float { Float(Double(g.next() >> 11) / Double(1 << 53)) * 2 * limit - limit }
        let l1 = (6 / Float(inputs + hidden)).squareRoot(), l2 = (6 / Float(hidden + 1)).squareRoot()
        w1 = (0..<(inputs * hidden)).map { _ in uniform(l1) }
        b1 = [Float](repeating: 0, count: hidden)
        w2 = (0..<hidden).map { _ in uniform(l2) }
        b2 = 0
    }

    /// The probability for each row of `x` (row-major, `inputs` wide; NaN reads as 0).
    public func predict(_ x: [Float]) -> [Float] {
        let rows = inputs == 0 ? 0 : x.count / inputs
        var out = [Float](repeating: 0, count: rows)
        var h = [Float](repeating: 0, count: hidden)
        for r in 0..<rows {
            forward(x, row: r, hidden: &h)
            out[r] = output(h)
        }
        return out
    }

    private func forward(_ x: [Float], row r: Int, hidden h: inout [Float]) {
        let base = r * inputs
        for j in 0..<hidden {
            var s = b1[j]
            let w = j * inputs
            for i in 0..<inputs { let v = x[base + i]; if !v.isNaN { s += w1[w + i] * v } }
            h[j] = max(0, s)
        }
    }

    private func output(_ h: [Float]) -> Float {
        var z = b2
        for j in 0..<hidden { z += w2[j] * h[j] }
        return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// Trains for `params.epochs` epochs; `eachEpoch` gets the epoch number and the network after it.
    public static func train(_ x: [Float], columns: Int, labels: [Float], params: Params,
                             eachEpoch: ((Int, MLP) throws -> Void)? = nil) rethrows -> MLP {
        var net = MLP(inputs: columns, hidden: params.hidden, seed: params.seed)
        var g = SeededGenerator(seed: params.seed &+ 0x5EED)
        var c1 = [Float](repeating: 0, count: net.w1.count), cb1 = [Float](repeating: 0, count: net.hidden)
        var c2 = [Float](repeating: 0, count: net.hidden), cb2: Float = 0
        var g1 = c1, gb1 = cb1, g2 = c2
        var h = [Float](repeating: 0, count: net.hidden)
        var order = Array(labels.indices)
        let rate = params.learningRate, rho = params.rho, eps = params.epsilon
        func step(_ w: inout Float, _ grad: Float, _ cache: inout Float) {
            cache = rho * cache + (1 - rho) * grad * grad
            w -= rate * grad / (cache.squareRoot() + eps)
        }
        for epoch in 0..<params.epochs {
            order.shuffle(using: &g)
            var start = 0
            while start < order.count {
                let batch = order[start..<min(start + params.batch, order.count)]
                let scale = 1 / Float(batch.count)
                for k in g1.indices { g1[k] = 0 }
                for k in 0..<net.hidden { gb1[k] = 0; g2[k] = 0 }
                var gb2: Float = 0
                for r in batch {
                    net.forward(x, row: r, hidden: &h)
                    let d = (net.output(h) - labels[r]) * scale
                    gb2 += d
                    let base = r * columns
                    for j in 0..<net.hidden where h[j] > 0 {
                        g2[j] += d * h[j]
                        let dh = d * net.w2[j]
                        gb1[j] += dh
                        let w = j * columns
                        for i in 0..<columns { let v = x[base + i]; if !v.isNaN { g1[w + i] += dh * v } }
                    }
                }
                for k in net.w1.indices { step(&net.w1[k], g1[k], &c1[k]) }
                for j in 0..<net.hidden {
                    step(&net.b1[j], gb1[j], &cb1[j])
                    step(&net.w2[j], g2[j], &c2[j])
                }
                step(&net.b2, gb2, &cb2)
                start += params.batch
            }
            try eachEpoch?(epoch, net)
        }
        return net
    }

    /// inputs, hidden, then w1, b1, w2, b2, as little-endian doubles.
    var bytes: [UInt8] { BinaryFloats.encode([Double(inputs), Double(hidden)] + (w1 + b1 + w2 + [b2]).map(Double.init)) }

    static func parse(_ bytes: [UInt8], name: String) throws(MLError) -> MLP {
        let v = try BinaryFloats.decode(bytes, name: name)
        guard v.count >= 2, let inputs = Int(exactly: v[0]), let hidden = Int(exactly: v[1]), inputs > 0, hidden > 0,
              v.count == 2 + inputs * hidden + 2 * hidden + 1 else { throw MLError("\(name) is not an MLP of this proj's layout") }
        var net = MLP(inputs: inputs, hidden: hidden, seed: 0)
        let f = v.map(Float.init)
        var at = 2
        net.w1 = Array(f[at..<(at + inputs * hidden)]); at += inputs * hidden
        net.b1 = Array(f[at..<(at + hidden)]); at += hidden
        net.w2 = Array(f[at..<(at + hidden)]); at += hidden
        net.b2 = f[at]
        return net
    }
}
