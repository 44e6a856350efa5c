import Crypto
import Foundation
@testable import ML
import Tabular
import Testing

/// The URL model's fast paths against their plain reference definitions, kept here: the same n-gram
/// columns, TF-IDF values and probabilities to the bit, on every URL of the real data and on edge cases.
@Suite struct URLModelAgreementTests {
    static let urls: [String] = {
        guard let table = try? Table.read(phishingCSV), let u = table.header.firstIndex(of: "url") else { return [] }
        return table.rows.map { $0[u] }
    }()
    static let edgeCases = ["", "a", "HTTP://WWW.Example.COM/Login", "http://İstanbul.example/ÄÖü?q=ß", "a b  c", "---", "http://x/" + String(repeating: "ab-", count: 3000),
                            "https://xn--80ak6aa92e.com/", "http://1.2.3.4:8080/a", "ww1-", "\u{1F600}login\u{1F600}", "Ａｂｃ.com",
                            "http://user@www.www-wwwx.com:80//a//b%20c%20?x=1&y=2#f", " http://a.b.co.uk/path/file.txt ", "https://wwww-1.example.com/wp-login.php",
                            "http://0x7f.0x0.0x0.0x1/", "HTTPS://EXAMPLE.COM", "ftp://a.b", "//no-scheme.com/x", "http://[::1]/", "http://bit.ly/x",
                            "http://192.168.0.1/login", "https://a.b.c.d.e.f.tk/x.y.z/www.com/http://q", "http://a:b@c:d@e.com:1/", "http://ünï.cöm/päth"]

    /// The n-grams as first written: lower-case the string, then hash.
    static func referenceGrams(_ url: String) -> [UInt32] {
        let bytes = Array(url.lowercased().utf8)
        var out: [UInt32] = []
        let mask = (UInt32(1) << TextVectorizer.bucketBits) - 1
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

    /// A TF-IDF row as first written: a dictionary of counts, sorted keys, norms summed over the whole row.
    static func referenceRow(_ url: String, _ v: TextVectorizer, column: [UInt32: Int32], idf: [Double]) -> (indices: [Int32], values: [Float]) {
        var tf: [Int32: Int] = [:]
        for g in referenceGrams(url) { if let c = column[g] { tf[c, default: 0] += 1 } }
        let indices = tf.keys.sorted()
        var values = indices.map { (1 + log(Double(tf[$0]!))) * idf[Int($0)] }
        let isWord = indices.map { v.buckets[Int($0)] >> TextVectorizer.bucketBits != 0 }
        for part in [false, true] {
            let norm = zip(values, isWord).reduce(0.0) { $0 + ($1.1 == part ? $1.0 * $1.0 : 0) }.squareRoot()
            if norm > 0 { for k in values.indices where isWord[k] == part { values[k] /= norm } }
        }
        return (indices, values.map(Float.init))
    }

    @Test func theVectorizerGivesTheReferenceRowsToTheBit() throws {
        let urls = URLModelAgreementTests.urls
        try #require(urls.count > 7000)
        let v = TextVectorizer.fit(Array(urls.prefix(5000)))
        var df: [UInt32: Int] = [:]
        for url in urls.prefix(5000) { for g in Set(URLModelAgreementTests.referenceGrams(url)) { df[g, default: 0] += 1 } }
        #expect(v.buckets == df.filter { $0.value >= 2 }.keys.sorted())
        let column = Dictionary(uniqueKeysWithValues: v.buckets.enumerated().map { ($1, Int32($0)) })
        let idf = v.idf
        for url in urls + URLModelAgreementTests.edgeCases {
            #expect(TextVectorizer.grams(url).sorted() == URLModelAgreementTests.referenceGrams(url).sorted(), "\(url)")
            let fast = v.transform(url), slow = URLModelAgreementTests.referenceRow(url, v, column: column, idf: idf)
            guard fast.indices == slow.indices, fast.values.map(\.bitPattern) == slow.values.map(\.bitPattern) else {
                Issue.record("\(url): the row differs from the reference")
                return
            }
        }
    }

    /// The host taken byte by byte from an ASCII URL is the one taken by Characters, for every URL of the data
    /// and for hosts that test each step (scheme, userinfo, port, whitespace, trailing dots, a CR LF pair).
    @Test func theASCIIHostIsTheCharacterHost() throws {
        let hosts = ["http://user:pw@Example.COM.:8080/x", "  //a.b.c/ ", " http://a.b.  /", "x://y", "1http://a/b", "h+t.p-s://a?b#c", "://a", "//",
                     "mailto:x@y.z", "http://a\r\n.b/", "http://a\t.b/", "\u{1C}http://a.b.\u{1F}", "http://a..../", "http://@/", "http:///a", ":a//b"]
        var checked = 0
        for url in URLModelAgreementTests.urls + URLModelAgreementTests.edgeCases + hosts {
            guard let fast = url.utf8.withContiguousStorageIfAvailable(DomainParts.asciiHost), let fast else { continue }
            #expect(fast == DomainParts.characterHost(of: url), "\(url.debugDescription)")
            checked += 1
        }
        #expect(checked > 7000)
        #expect(Array("http://a\r\n.b/".utf8).withUnsafeBufferPointer(DomainParts.asciiHost) == nil)
    }

    /// The URL-structure and registered-domain features of every URL of the data and the edge cases, as
    /// their bits' SHA-256, recorded before the fast paths were written: by the definitions, and as the
    /// featurizer computes them (over the bytes of an ASCII URL).
    @Test func theStructureFeaturesAreTheRecordedOnes() throws {
        try #require(URLModelAgreementTests.urls.count > 7000)
        let suffixes = try URLModelAgreementTests.suffixes()
        let featurizer = Featurizer(kind: .urlStructure, text: nil, suffixes: suffixes)
        var definitions: [UInt8] = [], featurized: [UInt8] = []
        for url in URLModelAgreementTests.urls + URLModelAgreementTests.edgeCases {
            for x in URLStructure.features(url) + URLStructure.domainFeatures(url, suffixes: suffixes) {
                withUnsafeBytes(of: x.bitPattern.littleEndian) { definitions += $0 }
            }
            for x in featurizer.features(url) { withUnsafeBytes(of: x.bitPattern.littleEndian) { featurized += $0 } }
        }
        let recorded = "dc99182f4a7db0571c55df9e9fad9bebf56a15d8e23ddd8cbad1565b108ac86d"
        #expect(SHA256.hash(data: definitions).map { String(format: "%02x", $0) }.joined() == recorded)
        #expect(SHA256.hash(data: featurized).map { String(format: "%02x", $0) }.joined() == recorded)
    }

    /// The byte path of ASCII URLs against the definitions on random URL-like strings, built from the
    /// pieces the features look for (schemes, `www`, `//`, `@`, ports, dots and dashes, suffixes, hints,
    /// digits, hex, `%20`, case), each feature to the bit.
    @Test func theASCIIPathGivesTheDefinitionsOnRandomURLs() throws {
        let suffixes = try URLModelAgreementTests.suffixes()
        let pieces = ["http://", "https://", "HTTP://", "ftp://", "://", "//", "/", "www", "ww", "w", "1", "-", ".", "..", "@", ":", ":80", "?", "#", "=",
                      "&", "%20", " ", "_", "~", "co.uk", "com", "COM", "ck", "www.ck", "tk", "xn--", "0x7f", "192.168.0.1", "255", "0", "a", "B",
                      "login", "wp", "admin", ".txt", "bit.ly", "aaaa", "ccc", "\t", "\u{1C}", "dead:beef:", "|", "*", "$", ",", ";"]
        let names = URLStructure.names + URLStructure.domainNames
        let featurizer = Featurizer(kind: .urlStructure, text: nil, suffixes: suffixes)
        var random = SeededGenerator(seed: 11)
        var checked = 0
        for _ in 0..<20000 {
            let url = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let definition = URLStructure.features(url) + URLStructure.domainFeatures(url, suffixes: suffixes)
            let fast = featurizer.features(url)
            for (k, name) in names.enumerated() where fast[k].bitPattern != definition[k].bitPattern {
                Issue.record("\(url.debugDescription): \(name) is \(fast[k]) by bytes, \(definition[k]) by the definition")
                return
            }
            checked += 1
        }
        #expect(checked == 20000)
    }

    static func suffixes() throws -> PublicSuffixList {
        let list = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("stages/public_suffix_list.dat")
        return try PublicSuffixList([UInt8](try Data(contentsOf: list)), name: "public_suffix_list.dat")
    }

    /// Probabilities of a raw-URL model on held-out rows, as their bits' SHA-256: recorded before the fast
    /// paths were written, so any change to what the featurizer or the trees compute shows here.
    @Test func aRawURLModelsProbabilitiesAreTheRecordedOnes() throws {
        let (dir, table) = try trainingSlice("url-probabilities", rows: 3000)
        var params = FactoryParams()
        params.folds = 3
        params.xgboost.rounds = 40
        params.xgboost.seed = 7
        params.seed = 7
        let suffixes = try URLModelAgreementTests.suffixes()
        try Steps.train(trainPath: dir + "/train.csv", target: phishing, exclude: ["url"], kinds: [.xgboost], params: params,
                        validationFraction: 0.1, model: dir + "/model", schema: dir + "/schema.yaml", plots: dir + "/curve.csv",
                        featurizer: .urlText, suffixes: suffixes)
        let model = try TrainedModel.read(directory: dir + "/model")
        let held = Table(header: table.header, rows: Array(table.rows.suffix(2000)))
        let p = try model.probabilities(try model.features(held, path: "held"))
        let digest = SHA256.hash(data: p.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        #expect(digest.map { String(format: "%02x", $0) }.joined() == "2d8b4d76fc62fd9c26899623784b96f69585c38135402a65a2f43001752889a7")
    }
}
