/// The numeric features and 0/1 labels of a table, for a binary classifier.
public struct Dataset: Sendable {
    public var features: [Float]
    public var columns: [String]
    public var labels: [Float]
    public var rows: Int { labels.count }

    /// Every column but `target` and `exclude` becomes a feature; `positive` is label 1, `negative` label 0.
    public static func from(_ table: Table, path: String, target: String, positive: String, negative: String,
                            exclude: [String], columns wanted: [String]? = nil) throws(MLError) -> Dataset {
        let labels = try Target(column: target, positive: positive, negative: negative).labels(table, path: path)
        let names = wanted ?? table.header.filter { $0 != target && !exclude.contains($0) }
        return Dataset(features: try numbers(table, path: path, columns: names), columns: names, labels: labels)
    }
}
