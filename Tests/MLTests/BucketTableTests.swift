@testable import ML
import Testing

/// The bucket -> column table against the definition: a bucket's column is its index in the sorted list,
/// any other bucket has none.
@Suite struct BucketTableTests {
    /// Lists of every shape the table reads differently: runs of one to eight columns (one word), runs of
    /// more (the byte-by-byte rest), low bytes 0 and 255 (the ends of the word test), the first and last
    /// buckets a URL can have, and a vocabulary's worth of random buckets.
    @Test func findsEveryColumnAndNothingElse() {
        var generator = SystemRandomNumberGenerator()
        let limit = UInt32(1) << (TextVectorizer.bucketBits + 1)
        let random = Set((0..<100_000).map { _ in UInt32.random(in: 0..<limit, using: &generator) })
        let lists: [[UInt32]] = [
            [],
            [0],
            [limit - 1],
            Array(0..<8),
            Array(0..<9),
            Array(256..<512),
            [0x100, 0x1ff, 0x200, 0x2ff, 0x380],
            Array(0x1000..<0x1020) + [0x10ff] + stride(from: 0x2000, to: 0x2100, by: 3),
            random.sorted(),
        ]
        for buckets in lists {
            let table = BucketTable(buckets)
            let columns = Dictionary(uniqueKeysWithValues: buckets.enumerated().map { ($1, Int32($0)) })
            for (c, bucket) in buckets.enumerated() {
                #expect(table.column(bucket) == Int32(c), "bucket \(bucket) of \(buckets.count)")
            }
            // Neighbours of every bucket, the ends of the range, and buckets past the last run.
            let probes = buckets.flatMap { [$0 &- 1, $0 &+ 1, $0 ^ 0x80] } + [0, 1, 255, 256, limit - 1, limit, limit + 300, .max]
            for bucket in probes where columns[bucket] == nil {
                #expect(table.column(bucket) == -1, "bucket \(bucket) is not among \(buckets.count)")
            }
        }
    }

    /// The word test at every count it masks to, with the sought byte at every place and absent.
    @Test func findsAByteAmongTheFirstCount() {
        let bytes: [UInt8] = [3, 0, 0x80, 0x81, 0x7f, 0xff, 1, 2, 9, 9, 9, 9, 9, 9, 9, 9]
        bytes.withUnsafeBufferPointer { buffer in
            for count in 0...8 {
                for byte in [UInt8(0), 1, 2, 3, 9, 0x7f, 0x80, 0x81, 0xfe, 0xff] {
                    let expected = buffer[..<count].firstIndex(of: byte) ?? -1
                    #expect(BucketTable.find(byte, in: buffer.baseAddress!, count: count) == expected, "byte \(byte), count \(count)")
                }
            }
        }
    }
}
