/// The label column and its two values.
public struct Target: Sendable {
    public var column: String
    public var positive: String
    public var negative: String
    public init(column: String, positive: String, negative: String) {
        self.column = column
        self.positive = positive
        self.negative = negative
    }

    /// 1 for the positive value, 0 for the negative; anything else is an error naming the row.
    func label(_ value: String, row: Int, path: String) throws(MLError) -> Float {
        switch value {
        case positive: return 1
        case negative: return 0
        default: throw MLError("\(path): row \(row + 2), column '\(column)': unknown label '\(value)' (expected \(negative) or \(positive))")
        }
    }

    /// The 0/1 label of every row of `table`.
    func labels(_ table: Table, path: String) throws(MLError) -> [Float] {
        let t = try table.column(column, in: path)
        var out: [Float] = []
        out.reserveCapacity(table.rows.count)
        for (r, row) in table.rows.enumerated() { out.append(try label(row[t], row: r, path: path)) }
        return out
    }
}
