/// Sorts small non-negative integers ascending by their digits, least significant first: a TF-IDF row's
/// few hundred column numbers in a handful of linear passes, where a comparison sort spent most of the
/// row's time.
enum RadixSort {
    /// Sorts `values`, each in 0..<`below`, using `scratch` (at least as long) as the second buffer. The
    /// digits are chosen for the count and the range: each pass costs its counts (clearing and summing
    /// 2^digit of them, in order, a quarter of a value's cost each as measured) and two visits of every value,
    /// a scattered store among them. So a URL's few hundred columns of a 100,000-column vocabulary take two
    /// passes of 9 bits (measured 10-20% faster than three of 6), and a short list three. All the counts are
    /// taken in one read of the values.
    static func sort(_ values: UnsafeMutableBufferPointer<Int32>, scratch: UnsafeMutableBufferPointer<Int32>, below: Int) {
        guard values.count > 32 else { return insertionSort(values) }
        let bits = below > 1 ? Int.bitWidth - (below - 1).leadingZeroBitCount : 0
        guard bits > 0 else { return }
        // Digits of at most 16 bits, so the counts stay small.
        let passes = ((bits + 15) / 16...max((bits + 15) / 16, min(bits, 8))).min {
            cost($0, bits: bits, count: values.count) < cost($1, bits: bits, count: values.count)
        }!
        let digitBits = Int32((bits + passes - 1) / passes)
        let radix = 1 << digitBits, mask = Int32(radix - 1)
        var source = values, target = UnsafeMutableBufferPointer(rebasing: scratch[..<values.count])
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: radix * passes) { counts in
            // Shifts are masking ones (`&>>`): the checked kind branches on the amount for every value.
            let counts = counts.baseAddress!
            counts.initialize(repeating: 0, count: radix * passes)
            if passes == 2 {
                // A URL's columns: both digits counted in one tight loop.
                for i in 0..<source.count {
                    let v = source[i]
                    counts[Int(v & mask)] &+= 1
                    counts[radix &+ Int((v &>> digitBits) & mask)] &+= 1
                }
            } else {
                for i in 0..<source.count {
                    var v = source[i]
                    for p in 0..<passes {
                        counts[p &* radix &+ Int(v & mask)] &+= 1
                        v = v &>> digitBits
                    }
                }
            }
            for p in 0..<passes {
                let starts = counts + p * radix
                var sum: Int32 = 0
                for d in 0..<radix {
                    let n = starts[d]
                    starts[d] = sum
                    sum &+= n
                }
                let shift = Int32(p) &* digitBits
                for i in 0..<source.count {
                    let v = source[i]
                    let d = Int((v &>> shift) & mask)
                    target[Int(starts[d])] = v
                    starts[d] &+= 1
                }
                swap(&source, &target)
            }
        }
        if source.baseAddress != values.baseAddress { _ = values.update(fromContentsOf: source) }
    }

    /// The work of sorting `count` values of `bits` bits in `passes` passes, in visits.
    static func cost(_ passes: Int, bits: Int, count: Int) -> Int {
        let digitBits = (bits + passes - 1) / passes
        return passes * ((1 << digitBits) / 4 + 2 * count)
    }

    static func insertionSort(_ values: UnsafeMutableBufferPointer<Int32>) {
        guard values.count > 1 else { return }
        for i in 1..<values.count {
            let v = values[i]
            var j = i
            while j > 0, values[j - 1] > v {
                values[j] = values[j - 1]
                j -= 1
            }
            values[j] = v
        }
    }
}
