/// Stratified k-fold assignment: each fold keeps the label shares; the same seed gives the same folds.
public enum Folds {
    public static func stratified(labels: [Float], k: Int, seed: UInt64) -> [(train: [Int], test: [Int])] {
        var generator = SeededGenerator(seed: seed)
        var fold = [Int](repeating: 0, count: labels.count)
        for label in Set(labels).sorted() {
            var indices = labels.indices.filter { labels[$0] == label }
            indices.shuffle(using: &generator)
            for (n, i) in indices.enumerated() { fold[i] = n % k }
        }
        return (0..<k).map { f in (labels.indices.filter { fold[$0] != f }, labels.indices.filter { fold[$0] == f }) }
    }
}
