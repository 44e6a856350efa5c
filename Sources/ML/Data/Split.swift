/// A small deterministic generator (SplitMix64): the same seed gives the same split on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Stratified, seeded train/test split: each label keeps its share in both parts.
public enum Split {
    public static func stratified(_ table: Table, labelColumn: Int, testFraction: Double, seed: UInt64) -> (train: Table, test: Table) {
        var byLabel: [String: [Int]] = [:]
        for (i, row) in table.rows.enumerated() { byLabel[row[labelColumn], default: []].append(i) }
        var generator = SeededGenerator(seed: seed)
        var train: [Int] = [], test: [Int] = []
        for label in byLabel.keys.sorted() {
            var indices = byLabel[label]!
            indices.shuffle(using: &generator)
            let n = Int((Double(indices.count) * testFraction).rounded())
            test += indices.prefix(n)
            train += indices.dropFirst(n)
        }
        train.sort()
        test.sort()
        return (Table(header: table.header, rows: train.map { table.rows[$0] }), Table(header: table.header, rows: test.map { table.rows[$0] }))
    }
}
