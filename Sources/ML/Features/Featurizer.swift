import Foundation
import YAML

/// Turns a raw input (the `url` column) into model features; saved beside the model as `featurizer.json`
/// (plus, for the text kind, its fitted vocabulary and weights, and with the registered-domain features the
/// Public Suffix List they were computed with) so a bundle can take raw URLs on any machine.
public struct Featurizer: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The URL-structure features alone.
        case urlStructure = "url-structure"
        /// The URL-structure features and `text_score`, a TF-IDF n-gram logistic regression's decision value.
        case urlText = "url-text+structure"
    }

    public var kind: Kind
    public var text: TextModel?
    /// With a suffix list, the features that need the registered domain (`URLStructure.domainNames`) too.
    public var suffixes: PublicSuffixList?

    public static let fileName = "featurizer.json"
    static let vocabularyFile = "text-vocabulary.bin"
    static let weightsFile = "text-weights.bin"

    public var featureNames: [String] {
        URLStructure.names + (suffixes == nil ? [] : URLStructure.domainNames) + (kind == .urlText ? ["text_score"] : [])
    }

    /// The features of one raw input.
    public func features(_ url: String) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(Featurizer.mostFeatures)
        TextVectorizer.withLowercasedBytes(url) { lower in
            appendStructure(url, lower: lower, to: &out)
            // Through optional chaining, not `if let`: binding the model would copy it, a reference count
            // taken and dropped on each of its arrays, for every URL.
            if let score = text?.score(lowercased: lower) { out.append(score) }
        }
        return out
    }

    static let mostFeatures = URLStructure.names.count + URLStructure.domainNames.count + 1

    /// The features of many raw inputs, row after row: the same values as one by one, computed in chunks
    /// on every core when there are more than a chunk's worth.
    public func rows(_ urls: [String]) -> [Float] {
        let chunk = 64
        guard urls.count > chunk else { return urls.flatMap { features($0).map(Float.init) } }
        let parts = Parallel.map((urls.count + chunk - 1) / chunk) { [self] k in
            urls[(k * chunk)..<min(urls.count, (k + 1) * chunk)].flatMap { features($0).map(Float.init) }
        }
        return Array(parts.joined())
    }

    func structure(_ url: String) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(Featurizer.mostFeatures)
        TextVectorizer.withLowercasedBytes(url) { appendStructure(url, lower: $0, to: &out) }
        return out
    }

    /// The structure (and domain) features of `url`, whose lower-cased bytes are `lower`: over the bytes
    /// for an ASCII URL, by the definitions for any other.
    private func appendStructure(_ url: String, lower: UnsafeBufferPointer<UInt8>, to out: inout [Double]) {
        let done = url.utf8.withContiguousStorageIfAvailable { ASCIIURLFeatures.append($0, lower: lower, suffixes: suffixes, to: &out) }
        guard done != true else { return }
        out += URLStructure.features(url) + (suffixes.map { URLStructure.domainFeatures(url, suffixes: $0) } ?? [])
    }

    /// Fits the featurizer on training URLs; returns it and the training rows' features, whose text score
    /// is out-of-fold.
    public static func fit(kind: Kind, suffixes: PublicSuffixList?, urls: [String], labels: [Float], folds: Int,
                           seed: UInt64) throws(MLError) -> (Featurizer, [Float]) {
        var featurizer = Featurizer(kind: kind, text: nil, suffixes: suffixes)
        guard kind == .urlText else { return (featurizer, urls.flatMap { featurizer.structure($0).map(Float.init) }) }
        let (model, scores) = try TextModel.fit(urls: urls, labels: labels, folds: folds, seed: seed)
        featurizer.text = model
        var x: [Float] = []
        for (url, score) in zip(urls, scores) { x += featurizer.structure(url).map(Float.init) + [Float(score)] }
        return (featurizer, x)
    }

    /// The files that store it, by name.
    public var files: [String: [UInt8]] {
        let json = JSONEmitter.emit(.map([.init("featurizer", .string(kind.rawValue)), .init("input", .string("url")),
                                          .init("features", .list(featureNames.map(Value.string)))]), sortKeys: false)
        var out = [Featurizer.fileName: Array(json.utf8)]
        if let text {
            out[Featurizer.vocabularyFile] = text.vectorizer.bytes
            out[Featurizer.weightsFile] = text.linear.bytes
        }
        if let suffixes { out[PublicSuffixList.fileName] = suffixes.bytes }
        return out
    }

    /// Reads `featurizer.json` (and the text files) under `prefix`; the feature list must match this proj's exactly.
    public static func load(_ files: [String: [UInt8]], prefix: String = "") throws(MLError) -> Featurizer {
        let name = prefix + fileName
        guard let bytes = files[name] else { throw MLError("missing \(name)") }
        guard let node = try? YAMLParser.parse(String(decoding: bytes, as: UTF8.self), file: name, limits: .untrusted),
              let kindName = node.value["featurizer"]?.string else { throw MLError("\(name) is not readable") }
        guard let kind = Kind(rawValue: kindName) else {
            throw MLError("\(name) names featurizer '\(kindName)', unknown to this proj (it has \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var featurizer = Featurizer(kind: kind, text: nil)
        if let list = files[prefix + PublicSuffixList.fileName] {
            featurizer.suffixes = try PublicSuffixList(list, name: prefix + PublicSuffixList.fileName)
        } else if let listed = node.value["features"]?.strings, let needy = listed.first(where: URLStructure.domainNames.contains) {
            throw MLError("\(name) lists '\(needy)', which needs the suffix list \(prefix + PublicSuffixList.fileName), missing here")
        }
        guard node.value["features"] == .list(featurizer.featureNames.map(Value.string)) else {
            throw MLError("\(name) lists other features than this proj's '\(kindName)' featurizer computes")
        }
        if kind == .urlText {
            guard let vocabulary = files[prefix + vocabularyFile], let weights = files[prefix + weightsFile] else {
                throw MLError("the \(kindName) featurizer needs \(prefix + vocabularyFile) and \(prefix + weightsFile)")
            }
            let vectorizer = try TextVectorizer.parse(vocabulary, name: prefix + vocabularyFile)
            let linear = try LinearModel.parse(weights, name: prefix + weightsFile, solver: .logreg, platt: nil)
            guard linear.weights.count == vectorizer.count else {
                throw MLError("\(prefix + weightsFile) holds \(linear.weights.count) weights for \(vectorizer.count) n-gram columns")
            }
            featurizer.text = TextModel(vectorizer: vectorizer, linear: linear)
        }
        return featurizer
    }
}
