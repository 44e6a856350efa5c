import Foundation

/// TF-IDF over a URL's character n-grams (1 to 5) and word n-grams (1 and 2), lower-cased, hashed into
/// 2^22 buckets each (word buckets follow the character ones). Buckets seen in at least `minDocuments`
/// training URLs become columns (sorted by bucket), each weighted by its smoothed inverse document
/// frequency; term counts are sublinear (1 + ln tf), and the character and word parts of a row are each
/// L2-normalized, as two scikit-learn TfidfVectorizer(sublinear_tf=True) blocks side by side.
public struct TextVectorizer: Sendable, Equatable {
    static let bucketBits: UInt32 = 22
    public private(set) var buckets: [UInt32]
    /// Each column's IDF and the weight a linear model gives it (0 until `weighted`), side by side, so that
    /// scoring a URL loads one cache line per column and a model keeps each number once.
    private(set) var terms: [SIMD2<Double>]
    private let table: BucketTable
    /// Word buckets have bit 22 set and buckets are sorted: every column from here on is a word n-gram.
    private let firstWordColumn: Int32

    public var count: Int { buckets.count }
    /// Each column's IDF, copied out of `terms` (take it once, not per column).
    public var idf: [Double] { terms.map { $0[0] } }
    /// Each column's weight, copied out of `terms`.
    var weights: [Double] { terms.map { $0[1] } }

    init(buckets: [UInt32], idf: [Double]) {
        self.buckets = buckets
        terms = idf.map { SIMD2($0, 0) }
        table = BucketTable(buckets)
        firstWordColumn = Int32(buckets.firstIndex { $0 >> TextVectorizer.bucketBits != 0 } ?? buckets.count)
    }

    /// The same vectorizer carrying a linear model's weights (one per column; missing ones are 0).
    func weighted(_ weights: [Double]) -> TextVectorizer {
        var copy = self
        for k in copy.terms.indices { copy.terms[k][1] = k < weights.count ? weights[k] : 0 }
        return copy
    }

    public static func == (a: TextVectorizer, b: TextVectorizer) -> Bool { a.buckets == b.buckets && a.idf == b.idf }

    /// The URL's bytes lower-cased as `String.lowercased()` does: ASCII in place, anything else through it.
    static func withLowercasedBytes<R>(_ url: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        // A native string's bytes in one pass with no early exit (so it vectorizes): lower-cased into the
        // buffer, and or-ed together to tell whether any is not ASCII.
        let native = url.utf8.withContiguousStorageIfAvailable { utf8 -> R? in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { buffer in
                var any: UInt8 = 0
                for i in 0..<utf8.count {
                    let b = utf8[i]
                    any |= b
                    buffer[i] = b &- 0x41 < 26 ? b | 0x20 : b
                }
                return any < 0x80 ? body(UnsafeBufferPointer(buffer)) : nil
            }
        }
        if case .some(.some(let result)) = native { return result }
        // Not ASCII (or, rarely, not stored contiguously): through String's own lower-casing.
        return Array(url.lowercased().utf8).withUnsafeBufferPointer(body)
    }

    /// The most n-grams a URL of `length` bytes has: five per byte, and at most one word and one pair of
    /// words per two bytes.
    static func gramCapacity(_ length: Int) -> Int { length * 6 + 2 }

    /// Calls `body` with each hashed n-gram of lower-cased `bytes`, with repeats.
    @inline(__always)
    static func forEachGram(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt32) -> Void) {
        let mask = (UInt32(1) << bucketBits) - 1
        let n = bytes.count
        for start in 0..<n {
            var h: UInt32 = (2_166_136_261 ^ 1) &* 16_777_619
            for k in start..<min(start + 5, n) {
                h = (h ^ UInt32(bytes[k])) &* 16_777_619
                body(h & mask)
            }
        }
        @inline(__always) func isWord(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b >= 0x80 }
        @inline(__always) func hash(_ h: UInt32, _ from: Int, _ to: Int) -> UInt32 {
            var h = h
            for k in from..<to { h = (h ^ UInt32(bytes[k])) &* 16_777_619 }
            return h
        }
        // Words are maximal runs of word bytes; each word, and each word with the next (joined by a space).
        var previous: Range<Int>?
        var i = 0
        while i < n {
            guard isWord(bytes[i]) else { i += 1; continue }
            let s = i
            while i < n, isWord(bytes[i]) { i += 1 }
            let seed: UInt32 = (2_166_136_261 ^ 2) &* 16_777_619
            if let p = previous {
                let h = (hash(seed, p.lowerBound, p.upperBound) ^ 0x20) &* 16_777_619
                body((hash(h, s, i) & mask) | (mask + 1))
            }
            body((hash(seed, s, i) & mask) | (mask + 1))
            previous = s..<i
        }
    }

    /// The hashed n-grams of one URL, with repeats.
    static func grams(_ url: String) -> [UInt32] {
        withLowercasedBytes(url) { bytes in
            var out: [UInt32] = []
            out.reserveCapacity(gramCapacity(bytes.count))
            forEachGram(bytes) { out.append($0) }
            return out
        }
    }

    /// Learns the columns and their IDF from training URLs.
    public static func fit(_ urls: [String], minDocuments: Int = 2) -> TextVectorizer {
        var df: [UInt32: Int] = [:]
        for url in urls { for g in Set(grams(url)) { df[g, default: 0] += 1 } }
        let kept = df.filter { $0.value >= minDocuments }.keys.sorted()
        let n = Double(urls.count)
        return TextVectorizer(buckets: kept, idf: kept.map { log((1 + n) / (1 + Double(df[$0]!))) + 1 })
    }

    /// 1 + ln(tf), from a table for the counts a URL has (the same values: each entry is that expression).
    private static let sublinearTable: [Double] = (0..<64).map { 1 + log(Double($0)) }

    /// `table` is `sublinearTable`, taken once per row: a global's every use checks that it is made.
    @inline(__always)
    static func sublinear(_ tf: Int, _ table: [Double]) -> Double { tf < table.count ? table[tf] : 1 + log(Double(tf)) }

    /// One URL's TF-IDF row handed to `body`: column indices ascending, L2-normalized values. Computed in
    /// scratch memory: the n-grams' columns are sorted and counted, and each part's norm is summed in
    /// column order, so the values are the same to the bit whatever order the n-grams came in.
    public func withRow<R>(_ url: String, _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> R) -> R {
        TextVectorizer.withLowercasedBytes(url) { withRow(lowercased: $0, body) }
    }

    /// `withRow` of a URL already lower-cased by `withLowercasedBytes`.
    func withRow<R>(lowercased bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> R) -> R {
        withTerms(lowercased: bytes) { columns, values, _, norms in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns.count) { out in
                for k in columns.indices { out[k] = norms.entry(k, values[k]) }
                return body(columns, UnsafeBufferPointer(out))
            }
        }
    }

    /// How a row's entry k comes from its value: divided by the norm of its part (characters, then words),
    /// as a Float. A value type, so the division is inlined where an entry is used.
    struct Norms {
        let chars: Double, words: Double
        /// Entries from this one on are word n-grams.
        let firstWord: Int

        @inline(__always)
        func entry(_ k: Int, _ value: Double) -> Float {
            let norm = k < firstWord ? chars : words
            return Float(norm > 0 ? value / norm : value)
        }
    }

    /// The steps of a row that every use of it shares: the n-grams' columns sorted and counted, each
    /// unique column's value (1 + ln tf) times its IDF, each part's norm summed in column order. `body` gets
    /// the unique columns, their values, the terms (IDF and weight by column), and the norms that give the
    /// row's entry k from its value, so the entries are the same to the bit whatever order the n-grams
    /// came in and whoever asks.
    ///
    /// The terms (IDF and weight, 1.5 MiB for the flagship) are larger than a core's L2 cache and a URL has
    /// hundreds of n-grams, so their loads are made to overlap: every n-gram's bucket first, then the
    /// lookups in the (small) bucket table, each hinting the terms of the column it found, then the sort.
    @inline(__always)
    func withTerms<R>(lowercased bytes: UnsafeBufferPointer<UInt8>,
                      _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<SIMD2<Double>>, Norms) -> R) -> R {
        terms.withUnsafeBufferPointer { termBuffer in
            guard let terms = termBuffer.baseAddress else {
                // No columns: every row is empty.
                return body(UnsafeBufferPointer(start: nil, count: 0), UnsafeBufferPointer(start: nil, count: 0), termBuffer,
                            Norms(chars: 0, words: 0, firstWord: 0))
            }
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: TextVectorizer.gramCapacity(bytes.count)) { columns in
                var n = 0
                TextVectorizer.forEachGram(bytes) { gram in
                    columns[n] = Int32(bitPattern: gram)
                    n += 1
                }
                // Found columns move to the front, in place (each is written at or before where its bucket was
                // read), and each found column's IDF is hinted.
                var m = 0
                for i in 0..<n {
                    let c = table.column(UInt32(bitPattern: columns[i]))
                    columns[m] = c
                    Prefetch.load(terms + Int(max(c, 0)))
                    m += c >= 0 ? 1 : 0
                }
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: m) { scratch in
                    RadixSort.sort(UnsafeMutableBufferPointer(rebasing: columns[..<m]), scratch: scratch, below: buckets.count)
                }
                return withUnsafeTemporaryAllocation(of: Double.self, capacity: m) { values in
                    // Repeats become counts; unique columns move to the front of `columns`. The character
                    // n-grams' columns come first (word buckets are above them), so each part is one run,
                    // its squares summed in a register.
                    var unique = 0, k = 0
                    var norms = (chars: 0.0, words: 0.0), firstWord = 0
                    let sublinear = TextVectorizer.sublinearTable
                    for part in 0..<2 {
                        let end = part == 0 ? firstWordColumn : Int32.max
                        var squares = 0.0
                        while k < m, columns[k] < end {
                            let c = columns[k]
                            var tf = 0
                            while k < m, columns[k] == c { tf += 1; k += 1 }
                            let v = TextVectorizer.sublinear(tf, sublinear) * terms[Int(c)][0]
                            squares += v * v
                            columns[unique] = c
                            values[unique] = v
                            unique += 1
                        }
                        if part == 0 { norms.chars = squares.squareRoot(); firstWord = unique } else { norms.words = squares.squareRoot() }
                    }
                    return body(UnsafeBufferPointer(rebasing: columns[..<unique]), UnsafeBufferPointer(rebasing: values[..<unique]), termBuffer,
                                Norms(chars: norms.chars, words: norms.words, firstWord: firstWord))
                }
            }
        }
    }

    /// One URL's TF-IDF row: column indices ascending, L2-normalized values.
    public func transform(_ url: String) -> (indices: [Int32], values: [Float]) {
        withRow(url) { (Array($0), Array($1)) }
    }

    public func transform(_ urls: [String]) -> SparseRows {
        var rows = SparseRows()
        for url in urls { withRow(url) { rows.append(indices: $0, values: $1) } }
        return rows
    }

    /// Stored as little-endian doubles: bucket, idf, bucket, idf, ...
    var bytes: [UInt8] { BinaryFloats.encode(zip(buckets, terms).flatMap { [Double($0), $1[0]] }) }

    static func parse(_ bytes: [UInt8], name: String) throws(MLError) -> TextVectorizer {
        let values = try BinaryFloats.decode(bytes, name: name)
        guard values.count % 2 == 0 else { throw MLError("\(name): odd number of values") }
        var buckets: [UInt32] = [], idf: [Double] = []
        for k in stride(from: 0, to: values.count, by: 2) {
            guard values[k] >= 0, values[k] < Double(2 << bucketBits), values[k] == values[k].rounded(), buckets.last.map({ Double($0) < values[k] }) ?? true
            else { throw MLError("\(name): bucket \(values[k]) at \(k / 2) is out of order or range") }
            buckets.append(UInt32(values[k]))
            idf.append(values[k + 1])
        }
        return TextVectorizer(buckets: buckets, idf: idf)
    }
}
