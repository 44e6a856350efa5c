import Tabular
import YAML

/// `selftest.json`: a few input rows and the outputs the model gave for them when the bundle was
/// built. A verifier with a loader for the flavor re-computes the outputs and compares.
public struct Selftest: Sendable, Equatable {
    public var inputs: [[Value.Entry]]
    /// Nil when the building proj had no loader for the flavor.
    public var outputs: [[Value.Entry]]?

    /// Relative tolerance for comparing recorded and re-computed numbers (different CPUs and
    /// libraries may round the last bits differently).
    public static let tolerance = 1e-5

    public var value: Value {
        var entries: [Value.Entry] = [.init("inputs", .list(inputs.map(Value.map)))]
        entries.append(.init("outputs", outputs.map { .list($0.map(Value.map)) } ?? .null))
        return .map(entries)
    }

    /// The JSON text stored in the bundle (column order kept as in the schema).
    public var json: String { JSONEmitter.emit(value, sortKeys: false) }

    /// Parses selftest.json and checks it against the schema; the error says what is wrong.
    public static func parse(_ bytes: [UInt8], schema: Schema) throws(BundleError) -> Selftest {
        let name = "selftest.json"
        guard let text = String(validating: bytes, as: UTF8.self),
              let node = try? YAMLParser.parse(text, file: name, limits: .untrusted) else {
            throw .invalid(entry: name, reason: "not valid JSON")
        }
        let root = node.value
        func rows(_ key: String, _ columns: [Schema.Column]) throws(BundleError) -> [[Value.Entry]]? {
            guard let v = root[key], v != .null else { return nil }
            guard case .list(let items) = v else { throw .invalid(entry: name, reason: "`\(key)` must be a list of rows") }
            var result: [[Value.Entry]] = []
            for (i, item) in items.enumerated() {
                guard case .map(let entries) = item else { throw .invalid(entry: name, reason: "\(key)[\(i)] is not an object") }
                let names = Set(entries.map(\.key))
                for column in columns where !names.contains(column.name) {
                    throw .invalid(entry: name, reason: "\(key)[\(i)] lacks column '\(column.name)'")
                }
                for entry in entries {
                    guard let column = columns.first(where: { $0.name == entry.key }) else {
                        throw .invalid(entry: name, reason: "\(key)[\(i)] has column '\(entry.key)', which the schema does not list")
                    }
                    if let problem = Schema.mismatch(entry.value, column) {
                        throw .invalid(entry: name, reason: "\(key)[\(i)]: \(problem)")
                    }
                }
                result.append(entries)
            }
            return result
        }
        guard let inputs = try rows("inputs", schema.input), !inputs.isEmpty else {
            throw .invalid(entry: name, reason: "`inputs` must hold at least one row")
        }
        let outputs = try rows("outputs", schema.output)
        if let outputs, outputs.count != inputs.count {
            throw .invalid(entry: name, reason: "\(inputs.count) input rows but \(outputs.count) output rows")
        }
        return Selftest(inputs: inputs, outputs: outputs)
    }

    /// Where `actual` differs from the recorded outputs, or nil when every value matches.
    public func difference(_ actual: [[Value.Entry]]) -> String? {
        guard let outputs else { return nil }
        guard actual.count == outputs.count else { return "the model gave \(actual.count) rows for \(outputs.count) inputs" }
        for (i, (want, got)) in zip(outputs, actual).enumerated() {
            for entry in want {
                let other = got.first { $0.key == entry.key }?.value ?? .null
                if !Selftest.close(entry.value, other) {
                    return "row \(i) '\(entry.key)': recorded \(entry.value.inlineText), the model now gives \(other.inlineText)"
                }
            }
        }
        return nil
    }

    static func close(_ a: Value, _ b: Value) -> Bool {
        guard let x = a.number, let y = b.number else { return a == b }
        return abs(x - y) <= tolerance * max(1, abs(x), abs(y))
    }
}
