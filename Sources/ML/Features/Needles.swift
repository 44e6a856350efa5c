/// A fixed set of byte strings (two bytes or longer) to look for at every position of a URL, laid out so
/// that a position is passed over after one bit test: a set of the needles' first two bytes, then only
/// the needles that start with that pair are compared. All in flat arrays, so a scan takes no reference
/// per position.
struct Needles: Sendable {
    /// The needles, one after another; needle k is `bytes[starts[k]..<starts[k + 1]]`.
    private let bytes: [UInt8]
    private let starts: [Int]
    /// Bit (first byte << 8 | second byte) is set when a needle starts with those two bytes.
    private let pairs: [UInt64]
    /// The needles sorted by their first byte: `byFirst[firstFrom[b]..<firstFrom[b + 1]]` start with b.
    private let byFirst: [Int]
    private let firstFrom: [Int]

    var count: Int { starts.count - 1 }

    init(_ needles: [[UInt8]]) {
        precondition(needles.allSatisfy { $0.count >= 2 }, "a needle is at least two bytes")
        bytes = needles.flatMap { $0 }
        starts = needles.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        var pairs = [UInt64](repeating: 0, count: 1024)
        for n in needles {
            let pair = Int(n[0]) << 8 | Int(n[1])
            pairs[pair >> 6] |= 1 << UInt64(pair & 63)
        }
        self.pairs = pairs
        byFirst = needles.indices.sorted { (needles[$0][0], $0) < (needles[$1][0], $1) }
        firstFrom = (0...256).map { b in needles.count { Int($0[0]) < b } }
    }

    /// Calls `body` with the index of every needle that occurs in `s` at `p`, in the needles' order among
    /// those with the same first byte; `body` returns false to stop.
    @inline(__always)
    private func scan(_ s: UnsafeBufferPointer<UInt8>, _ body: (_ needle: Int, _ at: Int, _ length: Int) -> Bool) {
        guard s.count >= 2 else { return }
        bytes.withUnsafeBufferPointer { bytes in
            starts.withUnsafeBufferPointer { starts in
                pairs.withUnsafeBufferPointer { pairs in
                    byFirst.withUnsafeBufferPointer { byFirst in
                        firstFrom.withUnsafeBufferPointer { firstFrom in
                            for p in 0..<(s.count - 1) {
                                let pair = Int(s[p]) << 8 | Int(s[p + 1])
                                guard pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 else { continue }
                                for j in firstFrom[Int(s[p])]..<firstFrom[Int(s[p]) + 1] {
                                    let k = byFirst[j], from = starts[k], length = starts[k + 1] - from
                                    guard p + length <= s.count else { continue }
                                    var i = 1
                                    while i < length, s[p + i] == bytes[from + i] { i += 1 }
                                    if i == length, !body(k, p, length) { return }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether any needle occurs in `s`.
    func occurs(in s: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        scan(s) { _, _, _ in found = true; return false }
        return found
    }

    /// The non-overlapping occurrences of each needle in `s` (each needle counted on its own, left to right
    /// as a repeated search does), summed over the needles.
    func countEach(in s: UnsafeBufferPointer<UInt8>) -> Int {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { next in
            next.initialize(repeating: 0)
            var total = 0
            scan(s) { k, p, length in
                if p >= next[k] { total += 1; next[k] = p + length }
                return true
            }
            return total
        }
    }
}
