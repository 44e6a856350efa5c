/// The raw-URL text model: TF-IDF n-grams into an L2 logistic regression, whose decision value becomes
/// one feature (`text_score`) beside the URL-structure features. Its training rows get out-of-fold
/// scores, so the model stacked on top sees the score as it will be on unseen URLs.
public struct TextModel: Sendable, Equatable {
    public let vectorizer: TextVectorizer
    public let linear: LinearModel
    /// Each column's IDF and weight side by side, so scoring a URL loads one cache line per column.
    private let columns: [SIMD2<Double>]
    public static let c = 10.0

    public init(vectorizer: TextVectorizer, linear: LinearModel) {
        self.vectorizer = vectorizer
        self.linear = linear
        columns = vectorizer.idf.indices.map { SIMD2(vectorizer.idf[$0], $0 < linear.weights.count ? linear.weights[$0] : 0) }
    }

    public static func == (a: TextModel, b: TextModel) -> Bool { a.vectorizer == b.vectorizer && a.linear == b.linear }

    public func score(_ url: String) -> Double {
        TextVectorizer.withLowercasedBytes(url) { score(lowercased: $0) }
    }

    /// `score` of a URL already lower-cased by `TextVectorizer.withLowercasedBytes`: the linear model's
    /// decision on the URL's row (`LinearModel.decision`, the same sum in the same order), without
    /// writing the row out.
    func score(lowercased bytes: UnsafeBufferPointer<UInt8>) -> Double {
        let known = linear.weights.count
        return columns.withUnsafeBufferPointer { table in
            // The IDFs are the even Doubles of the table, the weights the odd ones.
            let idf = UnsafeRawBufferPointer(table).assumingMemoryBound(to: Double.self)
            return vectorizer.withTerms(lowercased: bytes, idf: idf, stride: 2) { indices, values, entry in
                var sum = linear.bias
                for k in indices.indices where Int(indices[k]) < known { sum += table[Int(indices[k])][1] * Double(entry(k, values[k])) }
                return sum
            }
        }
    }

    /// Fits on all `urls`; returns the model and the out-of-fold score of each training URL.
    public static func fit(urls: [String], labels: [Float], folds: Int, seed: UInt64) throws(MLError) -> (TextModel, [Double]) {
        let vectorizer = TextVectorizer.fit(urls)
        let rows = vectorizer.transform(urls)
        let (linear, oof) = try LinearModel.withOutOfFold(rows: rows, columns: vectorizer.count, labels: labels, solver: .logreg, c: c,
                                                          folds: folds, seed: seed)
        return (TextModel(vectorizer: vectorizer, linear: linear), oof)
    }
}
