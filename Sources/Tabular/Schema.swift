import ProjectModel
import YAML

/// A model's input and output columns (`schema.yaml`).
///
/// ```yaml
/// input:
///   - {name: url, type: string}
///   - {name: length_url, type: int, min: 0}
/// output:
///   - {name: label, type: int, values: [0, 1]}
///   - {name: probability, type: double, min: 0, max: 1}
/// ```
public struct Schema: Sendable, Equatable {
    public enum ColumnType: String, Sendable, CaseIterable {
        case string, int, double, bool
        /// "an int", "a double": for messages.
        public var withArticle: String { self == .int ? "an int" : "a \(rawValue)" }
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        public var min: Double?
        public var max: Double?
        public var values: [Value]?
        public var nullable: Bool
        public var description: String?
    }

    public var input: [Column]
    public var output: [Column]

    static let columnKeys = ["name", "type", "min", "max", "values", "nullable", "description"]

    /// Parses and checks schema text; errors name the line and column.
    public static func parse(_ text: String, file: String) throws(SourceError) -> Schema {
        guard let root = try YAMLParser.parse(text, file: file, limits: .untrusted), let pairs = root.mapping else {
            throw SourceError(file: file, mark: nil, message: "expected a mapping with `input` and `output` column lists")
        }
        func fail(_ node: Node, _ message: String) -> SourceError {
            SourceError(file: file, mark: node.start, message: message, source: text)
        }
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard key == "input" || key == "output" else {
                throw fail(pair.key, "unknown key '\(key)'\(Suggestion.hint(for: key, in: ["input", "output"])); expected `input` and `output`")
            }
        }
        func columns(_ key: String) throws(SourceError) -> [Column] {
            guard let node = root[key] else { throw fail(root, "missing `\(key)`: a list of columns") }
            guard let items = node.sequence, !items.isEmpty else { throw fail(node, "`\(key)` must be a non-empty list of columns") }
            var result: [Column] = []
            var seen = Set<String>()
            for item in items {
                let column = try parseColumn(item, fail: fail)
                guard seen.insert(column.name).inserted else { throw fail(item, "duplicate column '\(column.name)' in `\(key)`") }
                result.append(column)
            }
            return result
        }
        return Schema(input: try columns("input"), output: try columns("output"))
    }

    private static func parseColumn(_ node: Node, fail: (Node, String) -> SourceError) throws(SourceError) -> Column {
        guard let pairs = node.mapping else { throw fail(node, "a column must be a mapping with `name` and `type`") }
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard columnKeys.contains(key) else {
                throw fail(pair.key, "unknown column key '\(key)'\(Suggestion.hint(for: key, in: columnKeys))")
            }
        }
        guard let nameNode = node["name"], case .string(let name) = nameNode.value, !name.isEmpty else {
            throw fail(node["name"] ?? node, "a column needs a `name` (a non-empty string)")
        }
        guard let typeNode = node["type"], let typeText = typeNode.scalar?.text else {
            throw fail(node, "column '\(name)' needs a `type` (\(ColumnType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let type = ColumnType(rawValue: typeText) else {
            throw fail(typeNode, "unknown type '\(typeText)' for column '\(name)'; expected one of \(ColumnType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func number(_ key: String) throws(SourceError) -> Double? {
            guard let n = node[key] else { return nil }
            guard type == .int || type == .double else { throw fail(n, "`\(key)` applies only to int and double columns") }
            guard let number = n.value.number else { throw fail(n, "`\(key)` must be a number") }
            return number
        }
        let min = try number("min"), max = try number("max")
        if let min, let max, min > max { throw fail(node, "column '\(name)': min \(min) is above max \(max)") }
        var values: [Value]?
        if let v = node["values"] {
            guard case .list(let list) = v.value, !list.isEmpty else { throw fail(v, "`values` must be a non-empty list") }
            values = list
        }
        var nullable = false
        if let n = node["nullable"] {
            guard case .bool(let b) = n.value else { throw fail(n, "`nullable` must be true or false") }
            nullable = b
        }
        return Column(name: name, type: type, min: min, max: max, values: values, nullable: nullable, description: node["description"]?.value.string)
    }

    /// The schema as a value (for bundle.yaml).
    public var value: Value {
        func column(_ c: Column) -> Value {
            var entries: [Value.Entry] = [.init("name", .string(c.name)), .init("type", .string(c.type.rawValue))]
            func number(_ d: Double) -> Value { c.type == .int && d == d.rounded() && abs(d) < 1e15 ? .int(Int(d)) : .double(d) }
            if let min = c.min { entries.append(.init("min", number(min))) }
            if let max = c.max { entries.append(.init("max", number(max))) }
            if let values = c.values { entries.append(.init("values", .list(values))) }
            if c.nullable { entries.append(.init("nullable", .bool(true))) }
            if let d = c.description { entries.append(.init("description", .string(d))) }
            return .map(entries)
        }
        return .map([.init("input", .list(input.map(column))), .init("output", .list(output.map(column)))])
    }

    /// Why `value` does not fit `column`, or nil when it does.
    /// (See also `Column.value(from:)` for reading a CSV field as the column's type.)
    public static func mismatch(_ value: Value, _ column: Column) -> String? {
        switch column.limits.problem(value) {
        case .null: return "'\(column.name)' is null but the column is not nullable"
        case .type: return "'\(column.name)' should be \(column.type.rawValue), got \(value.inlineText)"
        case .belowMin(let min): return "'\(column.name)' is \(value.inlineText), below its min \(min)"
        case .aboveMax(let max): return "'\(column.name)' is \(value.inlineText), above its max \(max)"
        case nil: break
        }
        if case .null = value { return nil }
        if let values = column.values, !values.contains(value) {
            let number = value.number
            if !(number != nil && values.contains { if case .int(let i) = $0 { return Double(i) == number } else { return false } }) {
                return "'\(column.name)' is \(value.inlineText), not one of \(Value.list(values).inlineText)"
            }
        }
        return nil
    }
}

extension Schema.Column {
    /// A CSV field read as this column's type: empty is null (for non-strings); nil when it does not parse.
    public func value(from field: String) -> Value? {
        if field.isEmpty && type != .string { return .null }
        switch type {
        case .string: return .string(field)
        case .int: return Int(field).map(Value.int) ?? Double(field).flatMap { $0 == $0.rounded() && abs($0) < 1e15 ? Value.int(Int($0)) : nil }
        case .double: return Double(field).map(Value.double)
        case .bool:
            switch field.lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: return nil
            }
        }
    }
}

extension Schema.Column {
    /// The column's type, nullability and range: every check but `values`, in a value that copies without
    /// touching reference counts (per-cell checks on a hot path take these, not the column).
    public struct Limits: Sendable {
        public let type: Schema.ColumnType
        public let min: Double?
        public let max: Double?
        public let nullable: Bool

        public enum Problem: Equatable { case null, type, belowMin(Double), aboveMax(Double) }

        /// What is wrong with `value` for these limits, or nil.
        public func problem(_ value: Value) -> Problem? {
            if case .null = value { return nullable ? nil : .null }
            let number: Double
            switch (type, value) {
            case (.string, .string), (.bool, .bool): return nil
            case (.int, .int(let i)): number = Double(i)
            case (.double, .double(let d)): number = d
            case (.double, .int(let i)): number = Double(i)
            default: return .type
            }
            if let min, number < min { return .belowMin(min) }
            if let max, number > max { return .aboveMax(max) }
            return nil
        }
    }

    public var limits: Limits { Limits(type: type, min: min, max: max, nullable: nullable) }
}
