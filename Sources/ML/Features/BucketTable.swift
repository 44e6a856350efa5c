/// Bucket -> column lookups for `TextVectorizer`: an open-addressing table (linear probing, load at most
/// one half) over flat arrays. The buckets are already hashes, so a multiply spreads them; no per-lookup
/// hashing of a dictionary key, no allocation.
struct BucketTable: Sendable {
    private static let empty = UInt32.max
    private let keys: [UInt32]
    private let columns: [Int32]
    private let shift: UInt32

    /// `buckets[c]` is column c's bucket; buckets are distinct and below 2^31.
    init(_ buckets: [UInt32]) {
        var bits: UInt32 = 4
        while (1 << bits) < buckets.count * 2 { bits += 1 }
        var keys = [UInt32](repeating: BucketTable.empty, count: 1 << bits)
        var columns = [Int32](repeating: -1, count: 1 << bits)
        let shift = 32 - bits, mask = (1 << bits) - 1
        for (c, bucket) in buckets.enumerated() {
            var s = Int((bucket &* 0x9E37_79B1) >> shift)
            while keys[s] != BucketTable.empty { s = (s + 1) & mask }
            keys[s] = bucket
            columns[s] = Int32(c)
        }
        self.keys = keys
        self.columns = columns
        self.shift = shift
    }

    /// The column of `bucket`, or -1 when it is not a column.
    @inline(__always)
    func column(_ bucket: UInt32) -> Int32 {
        keys.withUnsafeBufferPointer { keys in
            let mask = keys.count - 1
            var s = Int((bucket &* 0x9E37_79B1) >> shift)
            while true {
                let key = keys[s]
                if key == bucket { return columns[s] }
                if key == BucketTable.empty { return -1 }
                s = (s + 1) & mask
            }
        }
    }
}
