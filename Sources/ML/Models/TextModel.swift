/// The raw-URL text model: TF-IDF n-grams into an L2 logistic regression, whose decision value becomes
/// one feature (`text_score`) beside the URL-structure features. Its training rows get out-of-fold
/// scores, so the model stacked on top sees the score as it will be on unseen URLs.
public struct TextModel: Sendable, Equatable {
    public var vectorizer: TextVectorizer
    public var linear: LinearModel
    public static let c = 10.0

    public func score(_ url: String) -> Double {
        vectorizer.withRow(url) { linear.decision(indices: $0, values: $1) }
    }

    /// `score` of a URL already lower-cased by `TextVectorizer.withLowercasedBytes`.
    func score(lowercased bytes: UnsafeBufferPointer<UInt8>) -> Double {
        vectorizer.withRow(lowercased: bytes) { linear.decision(indices: $0, values: $1) }
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
