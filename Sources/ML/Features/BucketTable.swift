/// Bucket -> column lookups for `TextVectorizer`. Columns are numbered in bucket order, so a bucket's column
/// is its rank among the columns' buckets; the table keeps just enough to count it: for each run of 256
/// buckets the first column in it, and each column's bucket's low byte. For a vocabulary of 100,000
/// columns that is about 220 KiB, where a hash table of the pairs took 2 MiB for lookups measured as fast
/// (one load from a table twice the size of a core's L2 cache here, against two from one that fits in it).
/// A lookup reads the run's two bounds and eight low bytes at once, and finds the byte among them without a
/// branch; no hashing, no allocation.
struct BucketTable: Sendable {
    /// Buckets are split into a high part, which picks the run, and this many low bits.
    private static let lowBits: UInt32 = 8
    /// `starts[h]` is the first column whose bucket's high part is h; `starts[h + 1] - starts[h]` columns have it.
    private let starts: [UInt32]
    /// Each column's bucket's low byte, in column order; eight zero bytes follow, so a word can be read at
    /// any column.
    private let lows: [UInt8]

    /// `buckets[c]` is column c's bucket; buckets are ascending and distinct.
    init(_ buckets: [UInt32]) {
        let highs = Int((buckets.last ?? 0) >> BucketTable.lowBits) + 1
        var starts = [UInt32](repeating: 0, count: highs + 1)
        for bucket in buckets { starts[Int(bucket >> BucketTable.lowBits) + 1] += 1 }
        for h in 1..<starts.count { starts[h] += starts[h - 1] }
        self.starts = starts
        lows = buckets.map { UInt8(truncatingIfNeeded: $0) } + [UInt8](repeating: 0, count: 8)
    }

    /// The column of `bucket`, or -1 when it is not a column.
    @inline(__always)
    func column(_ bucket: UInt32) -> Int32 {
        let high = Int(bucket >> BucketTable.lowBits)
        return starts.withUnsafeBufferPointer { starts in
            guard high < starts.count - 1 else { return -1 }
            let first = Int(starts[high]), count = Int(starts[high + 1]) - first
            return lows.withUnsafeBufferPointer { lows in
                let low = UInt8(truncatingIfNeeded: bucket)
                let at = BucketTable.find(low, in: lows.baseAddress! + first, count: min(count, 8))
                if at >= 0 { return Int32(truncatingIfNeeded: first + at) }
                // A run of more than eight columns (rare: 256 buckets hold three on average) goes on byte by byte.
                guard count > 8 else { return -1 }
                for k in 8..<count where lows[first + k] == low { return Int32(truncatingIfNeeded: first + k) }
                return -1
            }
        }
    }

    /// Where `byte` is among the first `count` (at most 8) bytes at `bytes`, or -1: one word, compared
    /// byte-wise. The lowest byte the zero-byte test flags is always a true match (a false flag can only
    /// sit above a true one), and the bytes past `count` are masked off.
    @inline(__always)
    static func find(_ byte: UInt8, in bytes: UnsafePointer<UInt8>, count: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let word = UInt64(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(as: UInt64.self))
        let x = word ^ (UInt64(byte) &* ones)
        let valid = count >= 8 ? UInt64.max : (UInt64(1) &<< UInt64(8 &* count)) &- 1
        let zeros = (x &- ones) & ~x & (ones &<< 7) & valid
        return zeros == 0 ? -1 : zeros.trailingZeroBitCount &>> 3
    }
}
