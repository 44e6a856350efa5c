import Foundation

/// TF-IDF over a URL's character n-grams (1 to 5) and word n-grams (1 and 2), lower-cased, hashed into
/// 2^22 buckets each (word buckets follow the character ones). Buckets seen in at least `minDocuments`
/// training URLs become columns (sorted by bucket), each weighted by its smoothed inverse document
/// frequency; term counts are sublinear (1 + ln tf), and the character and word parts of a row are each
/// L2-normalized, as two scikit-learn TfidfVectorizer(sublinear_tf=True) blocks side by side.
public struct TextVectorizer: Sendable, Equatable {
    static let bucketBits: UInt32 = 22
    public private(set) var buckets: [UInt32]
    public private(set) var idf: [Double]
    private var column: [UInt32: Int32]

    public var count: Int { buckets.count }

    init(buckets: [UInt32], idf: [Double]) {
        self.buckets = buckets
        self.idf = idf
        column = Dictionary(uniqueKeysWithValues: buckets.enumerated().map { ($1, Int32($0)) })
    }

    /// The hashed n-grams of one URL, with repeats.
    static func grams(_ url: String) -> [UInt32] {
        let bytes = Array(url.lowercased().utf8)
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count * 5 + 16)
        let mask = (UInt32(1) << bucketBits) - 1
        for start in bytes.indices {
            var h: UInt32 = 2_166_136_261 ^ 1
            h = h &* 16_777_619
            for n in 0..<5 where start + n < bytes.count {
                h = (h ^ UInt32(bytes[start + n])) &* 16_777_619
                out.append(h & mask)
            }
        }
        func isWord(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b >= 0x80 }
        var words: [ArraySlice<UInt8>] = []
        var i = 0
        while i < bytes.count {
            guard isWord(bytes[i]) else { i += 1; continue }
            let s = i
            while i < bytes.count, isWord(bytes[i]) { i += 1 }
            words.append(bytes[s..<i])
        }
        func hash(_ parts: [ArraySlice<UInt8>]) -> UInt32 {
            var h: UInt32 = 2_166_136_261 ^ 2
            h = h &* 16_777_619
            for (k, part) in parts.enumerated() {
                if k > 0 { h = (h ^ 0x20) &* 16_777_619 }
                for b in part { h = (h ^ UInt32(b)) &* 16_777_619 }
            }
            return (h & mask) | (mask + 1)
        }
        for (k, word) in words.enumerated() {
            out.append(hash([word]))
            if k + 1 < words.count { out.append(hash([word, words[k + 1]])) }
        }
        return out
    }

    /// Learns the columns and their IDF from training URLs.
    public static func fit(_ urls: [String], minDocuments: Int = 2) -> TextVectorizer {
        var df: [UInt32: Int] = [:]
        for url in urls { for g in Set(grams(url)) { df[g, default: 0] += 1 } }
        let kept = df.filter { $0.value >= minDocuments }.keys.sorted()
        let n = Double(urls.count)
        return TextVectorizer(buckets: kept, idf: kept.map { log((1 + n) / (1 + Double(df[$0]!))) + 1 })
    }

    /// One URL's TF-IDF row: column indices ascending, L2-normalized values.
    public func transform(_ url: String) -> (indices: [Int32], values: [Float]) {
        var tf: [Int32: Int] = [:]
        for g in TextVectorizer.grams(url) { if let c = column[g] { tf[c, default: 0] += 1 } }
        let indices = tf.keys.sorted()
        var values = indices.map { (1 + log(Double(tf[$0]!))) * idf[Int($0)] }
        let isWord = indices.map { buckets[Int($0)] >> TextVectorizer.bucketBits != 0 }
        for part in [false, true] {
            let norm = zip(values, isWord).reduce(0.0) { $0 + ($1.1 == part ? $1.0 * $1.0 : 0) }.squareRoot()
            if norm > 0 { for k in values.indices where isWord[k] == part { values[k] /= norm } }
        }
        return (indices, values.map(Float.init))
    }

    public func transform(_ urls: [String]) -> SparseRows {
        var rows = SparseRows()
        for url in urls { let r = transform(url); rows.append(indices: r.indices, values: r.values) }
        return rows
    }

    /// Stored as little-endian doubles: bucket, idf, bucket, idf, ...
    var bytes: [UInt8] { BinaryFloats.encode(zip(buckets, idf).flatMap { [Double($0), $1] }) }

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
