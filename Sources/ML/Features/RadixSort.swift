/// Sorts small non-negative integers ascending by their bytes, least significant first: a TF-IDF row's
/// few hundred column numbers in a handful of linear passes, where a comparison sort spent most of the
/// row's time.
enum RadixSort {
    /// Sorts `values`, each in 0..<`below`, using `scratch` (at least as long) as the second buffer.
    static func sort(_ values: UnsafeMutableBufferPointer<Int32>, scratch: UnsafeMutableBufferPointer<Int32>, below: Int) {
        guard values.count > 32 else { return insertionSort(values) }
        var source = values, target = UnsafeMutableBufferPointer(rebasing: scratch[..<values.count])
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { starts in
            var shift: Int32 = 0
            while shift < 32, (below - 1) >> Int(shift) > 0 {
                starts.initialize(repeating: 0)
                for v in source { starts[Int((v >> shift) & 255)] += 1 }
                var sum = 0
                for d in 0..<256 {
                    let n = starts[d]
                    starts[d] = sum
                    sum += n
                }
                for v in source {
                    let d = Int((v >> shift) & 255)
                    target[starts[d]] = v
                    starts[d] += 1
                }
                swap(&source, &target)
                shift += 8
            }
        }
        if source.baseAddress != values.baseAddress { _ = values.update(fromContentsOf: source) }
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
