/// Bucket -> column lookups for `TextVectorizer`: an open-addressing table (linear probing, load at most
/// one half) whose slots hold the bucket and its column side by side, so a lookup touches one cache line
/// (the table is megabytes: most lookups miss the cache). The buckets are already hashes, so a multiply
/// spreads them; no per-lookup hashing of a dictionary key, no allocation.
struct BucketTable: Sendable {
    /// Bucket in the low 32 bits, column in the high; `empty` marks a free slot.
    private static let empty = UInt64.max
    private let slots: [UInt64]
    private let shift: UInt32

    /// `buckets[c]` is column c's bucket; buckets are distinct and below 2^31.
    init(_ buckets: [UInt32]) {
        var bits: UInt32 = 4
        while (1 << bits) < buckets.count * 2 { bits += 1 }
        var slots = [UInt64](repeating: BucketTable.empty, count: 1 << bits)
        let shift = 32 - bits, mask = (1 << bits) - 1
        for (c, bucket) in buckets.enumerated() {
            var s = Int((bucket &* 0x9E37_79B1) >> shift)
            while slots[s] != BucketTable.empty { s = (s + 1) & mask }
            slots[s] = UInt64(bucket) | UInt64(c) << 32
        }
        self.slots = slots
        self.shift = shift
    }

    /// Starts loading the slot where a lookup of `bucket` begins.
    @inline(__always)
    func prefetch(_ bucket: UInt32) {
        slots.withUnsafeBufferPointer { Prefetch.load($0.baseAddress! + Int((bucket &* 0x9E37_79B1) >> shift)) }
    }

    /// The column of `bucket`, or -1 when it is not a column.
    @inline(__always)
    func column(_ bucket: UInt32) -> Int32 {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var s = Int((bucket &* 0x9E37_79B1) >> shift)
            while true {
                let slot = slots[s]
                if slot == BucketTable.empty { return -1 }
                if UInt32(truncatingIfNeeded: slot) == bucket { return Int32(truncatingIfNeeded: slot >> 32) }
                s = (s + 1) & mask
            }
        }
    }
}
