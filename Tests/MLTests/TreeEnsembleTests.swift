import Foundation
@testable import ML
import Testing

/// The Swift tree walker against XGBoost's own predictor, and the models it must refuse or leave to XGBoost.
@Suite struct TreeEnsembleTests {
    /// The factory slices with every 7th value missing, in training and held-out rows alike.
    static func slicesWithGaps() throws -> (x: [Float], y: [Float], tx: [Float], columns: Int) {
        let d = try FactoryTests.slices(rows: 1200)
        func gaps(_ v: [Float]) -> [Float] { v.enumerated().map { $0.offset % 7 == 3 ? .nan : $0.element } }
        return (gaps(d.x), d.y, gaps(d.tx), d.columns.count)
    }

    @Test(arguments: [ModelKind.xgboost, .xgboostRF])
    func scoresExactlyAsXGBoostDoes(kind: ModelKind) throws {
        let d = try Self.slicesWithGaps()
        var params = FactoryParams()
        params.xgboost.rounds = 60
        params.forestTrees = 30
        guard case .boosted(let booster) = try Classifier.train(kind, x: d.x, columns: d.columns, labels: d.y, params: params) else {
            Issue.record("not an XGBoost model"); return
        }
        let trees = try #require(try TreeEnsemble.read(try booster.save(), name: "model.ubj"))
        #expect(trees.features == d.columns)
        let expected = try booster.predict(d.tx, columns: d.columns)
        let got = try trees.predict(d.tx, columns: d.columns)
        #expect(got.count == 800)
        // Bit for bit, every row (the held-out rows have missing values, so default sides are taken too).
        let differing = zip(got, expected).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(got.count) rows differ")
        // Rows with no missing value take a walk without the default-side test: blocks of whole rows, gapped
        // blocks between them, and single rows of each kind, all still bit for bit.
        let clean = try FactoryTests.slices(rows: 1200).tx
        let mixed = Array(clean[0..<(64 * d.columns)] + d.tx[(64 * d.columns)..<(96 * d.columns)] + clean[(96 * d.columns)..<(141 * d.columns)])
        #expect(try trees.predict(mixed, columns: d.columns).map(\.bitPattern) == (try booster.predict(mixed, columns: d.columns)).map(\.bitPattern))
        #expect(try trees.predict(clean, columns: d.columns).map(\.bitPattern) == (try booster.predict(clean, columns: d.columns)).map(\.bitPattern))
        // Rows 8 at a time through each tree, and a row alone through the trees 8 at a time: the same bits.
        let alone = try (0..<40).flatMap { r in try trees.predict(Array(d.tx[(r * d.columns)..<((r + 1) * d.columns)]), columns: d.columns) }
        let odd = try trees.predict(Array(d.tx[0..<(13 * d.columns)]), columns: d.columns)
        #expect(alone.map(\.bitPattern) == expected.prefix(40).map(\.bitPattern))
        #expect(odd.map(\.bitPattern) == expected.prefix(13).map(\.bitPattern))
        // Read back for scoring, the classifier is the walker and shareable between threads.
        let loaded = try Classifier.load(kind, bytes: try booster.save(), name: "model.ubj", columns: d.columns, platt: nil)
        guard case .trees = loaded else { Issue.record("read back as \(loaded)"); return }
        #expect(loaded.isShareable && !Classifier.boosted(booster).isShareable)
        #expect(try loaded.probabilities(d.tx, columns: d.columns) == expected)
        #expect(throws: MLError.self) { try loaded.bytes() }
    }

    @Test func modelsItDoesNotScoreStayWithXGBoost() throws {
        let d = try Self.slicesWithGaps()
        for objective in ["reg:squarederror", "binary:logitraw"] {
            let booster = try XGBooster.train(features: d.x, columns: d.columns, labels: d.y, params: [("objective", objective)], rounds: 3)
            #expect(try TreeEnsemble.read(try booster.save(), name: "m") == nil, "\(objective)")
            guard case .boosted = try Classifier.boosted(try booster.save(), name: "m") else { Issue.record("\(objective) not left to XGBoost"); continue }
        }
        let dart = try XGBooster.train(features: d.x, columns: d.columns, labels: d.y, params: [("objective", "binary:logistic"), ("booster", "dart")], rounds: 3)
        #expect(try TreeEnsemble.read(try dart.save(), name: "m") == nil)
    }

    @Test func aMissingOrWrongXGBoostLibraryIsNamedWithTheFix() {
        func message(_ names: [String]) -> String {
            switch XGBoostLibrary.open(names) {
            case .success: return "opened"
            case .failure(let error): return error.message
            }
        }
        #expect(message(XGBoostLibrary.names) == "opened")
        let missing = message(["libxgboost-not-here.so.0"])
        #expect(missing.hasPrefix("XGBoost is not installed here (libxgboost-not-here.so.0: "), "\(missing)")
        #expect(missing.hasSuffix("): install it with `apt-get install libxgboost0`"), "\(missing)")
        #expect(message(["libc.so.6"]) == "libc.so.6 has no XGBGetLastError: proj needs XGBoost 1.7 or newer")
    }

    /// One tree: feature 1 below 0.5 (missing goes right) -> leaf -1, else feature 0 below 2 (missing goes
    /// left) -> 0.5 or 2.
    static func handMade(left: [Int32] = [1, -1, 3, -1, -1], right: [Int32] = [2, -1, 4, -1, -1], index: [Int32] = [1, 0, 0, 0, 0],
                         base: String = "5E-1", objective: String = "binary:logistic") -> [UInt8] {
        UBJWriter.object([
            ("learner", UBJWriter.object([
                ("gradient_booster", UBJWriter.object([
                    ("model", UBJWriter.object([
                        ("tree_info", UBJWriter.ints([0])),
                        ("trees", UBJWriter.list([UBJWriter.object([
                            ("left_children", UBJWriter.ints(left)), ("right_children", UBJWriter.ints(right)),
                            ("split_indices", UBJWriter.ints(index)), ("split_conditions", UBJWriter.floats([0.5, -1, 2, 0.5, 2])),
                            ("default_left", UBJWriter.bytes([0, 0, 1, 0, 0])), ("split_type", UBJWriter.bytes([0, 0, 0, 0, 0])),
                        ])])),
                    ])),
                    ("name", UBJWriter.string("gbtree")),
                ])),
                ("learner_model_param", UBJWriter.object([("base_score", UBJWriter.string(base)), ("num_class", UBJWriter.string("0")),
                                                          ("num_feature", UBJWriter.string("2"))])),
                ("objective", UBJWriter.object([("name", UBJWriter.string(objective))])),
            ])),
        ])
    }

    @Test func aHandMadeTreeScoresAsWrittenOut() throws {
        let trees = try #require(try TreeEnsemble.read(Self.handMade(), name: "m"))
        let nan = Float.nan
        let rows: [Float] = [0, 0, /* -> -1 */ 1, 1, /* -> 0.5 */ 3, 1, /* -> 2 */ 0, nan, /* missing right, then 0 < 2 -> 0.5 */
                             nan, 1 /* missing left -> 0.5 */]
        let p = try trees.predict(rows, columns: 2)
        #expect(p == [-1, 0.5, 2, 0.5, 0.5].map { (x: Float) in 1 / (1 + expf(-x)) })
        // Twice over (10 rows: 8 walked together, then 2 alone), the same answers.
        #expect(try trees.predict(rows + rows, columns: 2) == p + p)
        // A base score of 0.2 starts every row at its log-odds.
        let shifted = try #require(try TreeEnsemble.read(Self.handMade(base: "2E-1"), name: "m"))
        #expect(try shifted.predict([0, 0], columns: 2) == [1 / (1 + expf(-(-logf(1 / 0.2 - 1) + -1)))])
        #expect(throws: MLError.self) { try trees.predict([1], columns: 1) }
        #expect(try TreeEnsemble.read(Self.handMade(objective: "multi:softprob"), name: "m") == nil)
    }

    @Test func damagedAndHostileModelsAreRefusedByName() throws {
        func message(_ bytes: [UInt8]) -> String {
            do { _ = try TreeEnsemble.read(bytes, name: "model.ubj"); return "read" } catch { return "\(error)" }
        }
        let good = Self.handMade()
        #expect(message(good) == "read")
        #expect(message(Array(good.dropLast(9))).hasPrefix("model.ubj is not a readable XGBoost model: "))
        #expect(message(good + [0x5A]) == "model.ubj is not a readable XGBoost model: trailing bytes after the model (at byte \(good.count))")
        // A string claiming 2^62 bytes: refused before anything is allocated.
        #expect(message([UInt8(ascii: "S"), UInt8(ascii: "L"), 0x40, 0, 0, 0, 0, 0, 0, 0])
                == "model.ubj is not a readable XGBoost model: a length of 4611686018427387904 runs past the end (at byte 10)")
        // A typed array without its count, an unknown type marker, a string that is not UTF-8, an object not closed.
        let prefix = "model.ubj is not a readable XGBoost model: "
        #expect(message(Array("[$d]".utf8)) == prefix + "a typed array has no count (at byte 3)")
        #expect(message(Array("X".utf8)) == prefix + "unknown type marker 88 (at byte 1)")
        #expect(message([UInt8(ascii: "S"), UInt8(ascii: "i"), 2, 0xC3, 0x28]) == prefix + "a string is not UTF-8 (at byte 3)")
        let unclosed = Array(UBJWriter.object([("a", UBJWriter.string("b"))]).dropLast())
        #expect(message(unclosed) == prefix + "an object is not closed (at byte \(unclosed.count))")
        // Arrays nested past any model's depth.
        #expect(message(Array(repeating: UInt8(ascii: "["), count: 100_000)).contains("nested deeper than 64 levels"))
        // A child pointing back at the root would loop forever; one outside the tree or the features is refused.
        #expect(message(Self.handMade(left: [1, -1, 0, -1, -1])) == "model.ubj is not a readable XGBoost model: tree 0 reaches node 0 twice")
        #expect(message(Self.handMade(right: [2, -1, 9, -1, -1])) == "model.ubj is not a readable XGBoost model: tree 0 node 2 points outside the tree or the features")
        #expect(message(Self.handMade(index: [1, 0, 5, 0, 0])) == "model.ubj is not a readable XGBoost model: tree 0 node 2 points outside the tree or the features")
        #expect(message(Self.handMade(base: "1")) == "model.ubj is not a readable XGBoost model: base_score is not a probability")
        #expect(message(Self.handMade(left: [1, -1])) == "model.ubj is not a readable XGBoost model: tree 0 lacks its node arrays, or they differ in length")
        #expect(message(Array("{\"a\": 1}".utf8)).hasPrefix("model.ubj is not a readable XGBoost model: "))
    }
}

/// Writes UBJSON as XGBoost does (keys without a marker, int64 lengths, typed arrays), for hand-made models.
enum UBJWriter {
    static func length(_ n: Int) -> [UInt8] { [UInt8(ascii: "L")] + be(UInt64(n), 8) }
    static func be(_ v: UInt64, _ width: Int) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    static func key(_ s: String) -> [UInt8] { length(s.utf8.count) + Array(s.utf8) }
    static func string(_ s: String) -> [UInt8] { [UInt8(ascii: "S")] + key(s) }
    static func object(_ entries: [(String, [UInt8])]) -> [UInt8] { [UInt8(ascii: "{")] + entries.flatMap { key($0.0) + $0.1 } + [UInt8(ascii: "}")] }
    static func list(_ items: [[UInt8]]) -> [UInt8] { [UInt8(ascii: "["), UInt8(ascii: "#")] + length(items.count) + items.flatMap { $0 } }
    static func typed(_ type: Character, _ words: [UInt64], width: Int) -> [UInt8] {
        [UInt8(ascii: "["), UInt8(ascii: "$"), type.asciiValue!, UInt8(ascii: "#")] + length(words.count) + words.flatMap { be($0, width) }
    }
    static func ints(_ v: [Int32]) -> [UInt8] { typed("l", v.map { UInt64(UInt32(bitPattern: $0)) }, width: 4) }
    static func floats(_ v: [Float]) -> [UInt8] { typed("d", v.map { UInt64($0.bitPattern) }, width: 4) }
    static func bytes(_ v: [UInt8]) -> [UInt8] { typed("U", v.map(UInt64.init), width: 1) }
}
