import Foundation
import Tabular
import YAML

/// Checks a data file against a data schema: the schema's `input` columns are the features, its `output`
/// columns the target(s). Column set and count, types, ranges, allowed values, missing values.
public enum Validation {
    public struct Violation: Sendable, Equatable {
        public var row: Int
        public var column: String
        public var problem: String
        public var text: String { "row \(row), column '\(column)': \(problem)" }
    }

    /// The violations in `table` (at most `limit`), in row order; problems with the column set come first as row 1.
    public static func check(_ table: Table, schema: Schema, limit: Int = 20) -> [Violation] {
        var found: [Violation] = []
        let columns = schema.input + schema.output
        let expected = Set(columns.map(\.name))
        for name in columns.map(\.name) where !table.header.contains(name) {
            found.append(Violation(row: 1, column: name, problem: "missing column (the schema lists \(columns.count) columns)"))
        }
        for name in table.header where !expected.contains(name) {
            found.append(Violation(row: 1, column: name, problem: "column not in the schema"))
        }
        if !found.isEmpty { return Array(found.prefix(limit)) }
        let indices = columns.map { c in table.header.firstIndex(of: c.name)! }
        for (r, row) in table.rows.enumerated() {
            for (column, i) in zip(columns, indices) {
                let field = row[i]
                guard let value = column.value(from: field) else {
                    found.append(Violation(row: r + 2, column: column.name, problem: "'\(field)' is not \(column.type.withArticle)"))
                    if found.count >= limit { return found }
                    continue
                }
                if value == .null && !column.nullable {
                    found.append(Violation(row: r + 2, column: column.name, problem: "missing value"))
                } else if let problem = Schema.mismatch(value, column) {
                    found.append(Violation(row: r + 2, column: column.name, problem: problem))
                }
                if found.count >= limit { return found }
            }
        }
        return found
    }
}

extension Steps {
    /// `proj ml validate`: checks train and test against the data schema (failing on the first violations,
    /// named by row and column) and writes a validation report and a KS drift report.
    public static func validate(train: String, test: String, schemaPath: String, threshold: Double, report: String, drift: String) throws -> (Int, [Drift.Result]) {
        guard let text = try? String(contentsOfFile: schemaPath, encoding: .utf8) else { throw MLError("cannot read \(schemaPath)") }
        let schema = try Schema.parse(text, file: schemaPath)
        var tables: [(String, Table)] = []
        var entries: [Value.Entry] = []
        for path in [train, test] {
            let table = try Table.read(path)
            let violations = Validation.check(table, schema: schema)
            entries.append(.init(path, .map([.init("rows", .int(table.rows.count)), .init("columns", .int(table.header.count)),
                                             .init("violations", .list(violations.map { .string($0.text) }))])))
            if !violations.isEmpty {
                try write(Data(JSONEmitter.emit(.map(entries)).utf8), to: report)
                throw MLError("\(path) does not match \(schemaPath): " + violations.prefix(3).map(\.text).joined(separator: "; ")
                              + (violations.count > 3 ? "; and \(violations.count - 3) more (see \(report))" : ""))
            }
            tables.append((path, table))
        }
        try write(Data(JSONEmitter.emit(.map(entries)).utf8), to: report)
        let results = Drift.compare(tables[0].1, tables[1].1, schema: schema, threshold: threshold)
        func r(_ d: Double) -> Value { .double((d * 1e6).rounded() / 1e6) }
        let value = Value.map([
            .init("threshold", .double(threshold)),
            .init("drifted", .list(results.filter(\.drifted).map { .string($0.column) })),
            .init("columns", .map(results.map { .init($0.column, .map([.init("ks_statistic", r($0.statistic)), .init("p_value", r($0.pValue)), .init("drifted", .bool($0.drifted))])) })),
        ])
        try write(Data(JSONEmitter.emit(value, sortKeys: false).utf8), to: drift)
        return (tables.reduce(0) { $0 + $1.1.rows.count }, results)
    }
}
