/// The raw-URL text model: TF-IDF n-grams into an L2 logistic regression, whose decision value becomes
/// one feature (`text_score`) beside the URL-structure features. Its training rows get out-of-fold
/// scores, so the model stacked on top sees the score as it will be on unseen URLs.
public struct TextModel: Sendable, Equatable {
    /// The vectorizer, carrying the linear model's weights beside each column's IDF.
    public let vectorizer: TextVectorizer
    /// The linear model's solver, bias and calibration; its weights are the vectorizer's.
    private let solver: Liblinear.Solver
    private let bias: Double
    private let platt: Platt?
    public static let c = 10.0

    public init(vectorizer: TextVectorizer, linear: LinearModel) {
        self.vectorizer = vectorizer.weighted(linear.weights)
        solver = linear.solver
        bias = linear.bias
        platt = linear.platt
    }

    /// The linear model over the vectorizer's columns.
    public var linear: LinearModel { LinearModel(solver: solver, weights: vectorizer.weights, bias: bias, platt: platt) }

    public static func == (a: TextModel, b: TextModel) -> Bool { a.vectorizer == b.vectorizer && a.linear == b.linear }

    public func score(_ url: String) -> Double {
        TextVectorizer.withLowercasedBytes(url) { score(lowercased: $0) }
    }

    /// `score` of a URL already lower-cased by `TextVectorizer.withLowercasedBytes`: the linear model's
    /// decision on the URL's row (`LinearModel.decision`, the same sum in the same order), without
    /// writing the row out.
    func score(lowercased bytes: UnsafeBufferPointer<UInt8>) -> Double {
        vectorizer.withTerms(lowercased: bytes) { indices, values, terms, norms in
            var sum = bias
            for k in indices.indices { sum += terms[Int(indices[k])][1] * Double(norms.entry(k, values[k])) }
            return sum
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
