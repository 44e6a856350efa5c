import Tabular
import YAML

/// Request rows checked against the bundle's input schema: every feature present, none extra, each of the
/// column's type and inside its range or value set. Errors name the field by its path in the request.
struct Rows {
    let schema: Schema
    let maxRows: Int
    /// Each input column's position, by name.
    let position: [String: Int]

    init(schema: Schema, maxRows: Int) {
        self.schema = schema
        self.maxRows = maxRows
        position = Dictionary(schema.input.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `[{feature: value, ...}, ...]` at `path`.
    func records(_ value: Value, path: String) throws(ClientError) -> [[Value.Entry]] {
        guard case .list(let items) = value else { throw ClientError("'\(path)' must be a list of objects (one per row)", field: path) }
        try check(count: items.count, path: path)
        var rows: [[Value.Entry]] = []
        rows.reserveCapacity(items.count)
        for (r, item) in items.enumerated() {
            guard case .map(let entries) = item else { throw ClientError("'\(path)[\(r)]' must be an object of features", field: "\(path)[\(r)]") }
            rows.append(try record(entries, path: "\(path)[\(r)]"))
        }
        return rows
    }

    /// One row's features in the schema's order, each checked; `entries` may come in any order, but each
    /// key once (the JSON reader refuses duplicate keys).
    func record(_ entries: [Value.Entry], path: @autoclosure () -> String) throws(ClientError) -> [Value.Entry] {
        let n = schema.input.count
        var slots = [Value?](repeating: nil, count: n)
        for (j, entry) in entries.enumerated() {
            // Rows usually list the features in the schema's order: then no lookup.
            if j < n, schema.input[j].name == entry.key { slots[j] = entry.value; continue }
            guard let k = position[entry.key] else {
                throw ClientError("'\(path())' has unknown feature '\(entry.key)' (the model takes: \(names))", field: "\(path()).\(entry.key)")
            }
            slots[k] = entry.value
        }
        return try checked(slots, path: path())
    }

    /// The values placed by column, each checked, as a row in the schema's order.
    func checked(_ slots: [Value?], path: @autoclosure () -> String) throws(ClientError) -> [Value.Entry] {
        var row: [Value.Entry] = []
        row.reserveCapacity(schema.input.count)
        for k in slots.indices {  // by index: no copy of each column
            let name = schema.input[k].name
            guard let value = slots[k] else { throw ClientError("'\(path())' is missing feature '\(name)'", field: "\(path()).\(name)") }
            row.append(.init(name, try cell(value, schema.input[k], path: "\(path()).\(name)")))
        }
        return row
    }

    /// Rows of values in the order of `columns` (a data frame split, or a list of lists with the schema's order).
    func table(columns: [String], data: Value, path: String) throws(ClientError) -> [[Value.Entry]] {
        guard case .list(let items) = data else { throw ClientError("'\(path)' must be a list of rows", field: path) }
        try check(count: items.count, path: path)
        var seen = Set<String>()
        for name in columns {
            guard seen.insert(name).inserted else { throw ClientError("column '\(name)' is named twice", field: name) }
            guard position[name] != nil else { throw ClientError("unknown feature '\(name)' (the model takes: \(names))", field: name) }
        }
        if let missing = schema.input.first(where: { !seen.contains($0.name) }) {
            throw ClientError("missing feature '\(missing.name)' in the columns", field: missing.name)
        }
        let order = columns.map { position[$0]! }  // each column's place in the schema, found once
        return try items.enumerated().map { (r, item) throws(ClientError) in
            guard case .list(let cells) = item, cells.count == columns.count else {
                throw ClientError("'\(path)[\(r)]' must be a list of \(columns.count) values", field: "\(path)[\(r)]")
            }
            var slots = [Value?](repeating: nil, count: schema.input.count)
            for (j, cell) in cells.enumerated() { slots[order[j]] = cell }
            return try checked(slots, path: "\(path)[\(r)]")
        }
    }

    /// Columns as `{feature: [v0, v1, ...]}`, all of one length.
    func columnar(_ entries: [Value.Entry], path: String) throws(ClientError) -> [[Value.Entry]] {
        var length: Int?
        for entry in entries {
            guard case .list(let values) = entry.value else { throw ClientError("'\(path).\(entry.key)' must be a list of values", field: "\(path).\(entry.key)") }
            if let length, length != values.count {
                throw ClientError("'\(path)' columns differ in length (\(length) and \(values.count))", field: "\(path).\(entry.key)")
            }
            length = values.count
        }
        let n = length ?? 0
        try check(count: n, path: path)
        return try (0..<n).map { (r) throws(ClientError) in
            try record(entries.map { entry in
                guard case .list(let values) = entry.value else { return entry }
                return Value.Entry(entry.key, values[r])
            }, path: "\(path)[\(r)]")
        }
    }

    /// Raw URLs, for a model whose one input is `url`.
    func urls(_ value: Value, path: String) throws(ClientError) -> [[Value.Entry]] {
        guard schema.input.count == 1, schema.input[0].name == "url", schema.input[0].type == .string else {
            throw ClientError("this model takes feature rows (\(names)), not raw URLs: send 'instances'", field: path)
        }
        guard case .list(let items) = value else { throw ClientError("'\(path)' must be a list of strings", field: path) }
        try check(count: items.count, path: path)
        return try items.enumerated().map { (r, item) throws(ClientError) in
            [.init("url", try cell(item, schema.input[0], path: "\(path)[\(r)]"))]
        }
    }

    /// A CSV body: a header naming the features, then rows.
    func csv(_ text: String) throws(ClientError) -> [[Value.Entry]] {
        let header: [String], lines: [[String]]
        do { (header, lines) = try CSVRows.read(text) } catch { throw ClientError("the CSV body is not valid CSV: \(error)", field: "csv") }
        guard !header.isEmpty else { throw ClientError("the CSV body is empty: send a header row and data rows") }
        try check(count: lines.count, path: "csv")
        var cells: [[Value]] = []
        for (r, line) in lines.enumerated() {
            guard line.count == header.count else {
                throw ClientError("CSV row \(r + 2) has \(line.count) fields, the header has \(header.count)", field: "csv[\(r)]")
            }
            var row: [Value] = []
            for (name, field) in zip(header, line) {
                guard let k = position[name] else { row.append(.string(field)); continue }
                let column = schema.input[k]
                guard let value = column.value(from: field) else {
                    throw ClientError("CSV row \(r + 2), column '\(name)': '\(field)' is not \(column.type.withArticle)", field: "csv[\(r)].\(name)")
                }
                row.append(value)
            }
            cells.append(row)
        }
        return try table(columns: header, data: .list(cells.map(Value.list)), path: "csv")
    }

    /// One JSON value as `column`'s type, inside its range and value set.
    func cell(_ value: Value, _ column: Schema.Column, path: @autoclosure () -> String) throws(ClientError) -> Value {
        let v = Rows.converted(value, to: column.type)
        if let problem = Schema.mismatch(v, column) { throw ClientError("\(path()): \(problem)", field: path()) }
        return v
    }

    /// A JSON number as the column's type wants it: a whole double for an int column, an int for a double
    /// column; NaN, which MLflow's client sends for a missing float (pandas' own missing value), as null.
    /// Anything else is left as it is (for `Schema.mismatch` to judge).
    static func converted(_ value: Value, to type: Schema.ColumnType) -> Value {
        switch (type, value) {
        case (_, .double(let d)) where d.isNaN: return .null
        case (.int, .double(let d)) where d == d.rounded() && abs(d) < 1e15: return .int(Int(d))
        case (.double, .int(let i)): return .double(Double(i))
        default: return value
        }
    }

    func check(count: Int, path: String) throws(ClientError) {
        guard count > 0 else { throw ClientError("'\(path)' holds no rows", field: path) }
        guard count <= maxRows else { throw ClientError(.contentTooLarge, "'\(path)' holds \(count) rows; this server takes at most \(maxRows) per request (--max-rows)", field: path) }
    }

    var names: String {
        let all = schema.input.map(\.name)
        return all.prefix(6).joined(separator: ", ") + (all.count > 6 ? ", ... (\(all.count) in all)" : "")
    }
}
