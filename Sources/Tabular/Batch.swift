import YAML

/// Rows as a model takes them: `count` rows of cells, row after row, each row holding the schema's input
/// columns in the schema's order, every cell already checked against its column. Every reader makes one (the
/// quick JSON reader and each protocol's full reader in `proj serve`, the CSV of `proj predict`, a bundle's
/// selftest rows), and it is the one thing a predictor takes.
public struct Batch: Sendable, Equatable {
    public let columns: [String]
    public let cells: [Value]
    public let count: Int

    /// Nil unless `cells` is whole rows of `columns`.
    public init?(columns: [String], cells: [Value]) {
        guard !columns.isEmpty, cells.count % columns.count == 0 else { return nil }
        self.columns = columns
        self.cells = cells
        count = cells.count / columns.count
    }

    /// Keyed rows (already checked), each cell taken by its column's name; a column a row lacks is null.
    public init(rows: [[Value.Entry]], columns: [String]) {
        var cells: [Value] = []
        cells.reserveCapacity(rows.count * columns.count)
        for row in rows {
            // Checked rows come in the columns' order: look a key up only when it is elsewhere.
            for (k, name) in columns.enumerated() {
                cells.append(k < row.count && row[k].key == name ? row[k].value : row.first { $0.key == name }?.value ?? .null)
            }
        }
        self.columns = columns
        self.cells = cells
        count = rows.count
    }

    /// Row `r`'s cells.
    public func row(_ r: Int) -> ArraySlice<Value> { cells[(r * columns.count)..<((r + 1) * columns.count)] }

    /// The rows keyed by column name again.
    public var rows: [[Value.Entry]] { (0..<count).map { r in zip(columns, row(r)).map { Value.Entry($0, $1) } } }
}
