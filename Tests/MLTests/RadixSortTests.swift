@testable import ML
import Testing

/// The radix sort against the standard library's sort, over the ranges that choose its digits.
@Suite struct RadixSortTests {
    /// Ranges of one pass and of several, with even and uneven digits; counts below and above the
    /// insertion-sort cutoff; repeats and the range's ends included.
    @Test(arguments: [2, 255, 256, 257, 1024, 1025, 96_625, 1 << 20, 1 << 22, Int(Int32.max)])
    func sortsAsTheStandardLibraryDoes(below: Int) {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 31, 32, 33, 400, 5000] {
            var values = (0..<count).map { _ in Int32(Int.random(in: 0..<below, using: &generator)) }
            if count > 2 { values[0] = 0; values[1] = Int32(below - 1); values[2] = values[1] }
            let expected = values.sorted()
            let scratch = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(count, 1))
            defer { scratch.deallocate() }
            values.withUnsafeMutableBufferPointer { RadixSort.sort($0, scratch: scratch, below: below) }
            #expect(values == expected, "below \(below), \(count) values")
        }
    }
}
