import Foundation
import YAML

/// `${name}` substitution from `vars`, `params` and `foreach` items (`${item}`, `${key}`, `${item.field}`).
public struct Template: Sendable {
    /// The names a template may use, as one map (`params` holds params.yaml).
    public var context: Value

    /// Creates a template context.
    public init(context: Value) {
        self.context = context
    }

    /// The context with `name` bound to `value` (used for foreach items).
    public func binding(_ name: String, to value: Value) -> Template {
        guard case .map(var entries) = context else { return self }
        entries.removeAll { $0.key == name }
        entries.append(Value.Entry(name, value))
        return Template(context: .map(entries))
    }

    /// Substitutes every `${...}` in `text`; `$${` writes a literal `${`.
    public func render(_ text: String, file: String, mark: Mark?, source: String?) throws(SourceError) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            if start.lowerBound > rest.startIndex, rest[rest.index(before: start.lowerBound)] == "$" {
                out += rest[..<rest.index(before: start.lowerBound)] + "${"
                rest = rest[start.upperBound...]
                continue
            }
            out += rest[..<start.lowerBound]
            guard let close = rest[start.upperBound...].firstIndex(of: "}") else {
                throw SourceError(file: file, mark: mark, message: "unterminated '${' in '\(text)'", source: source)
            }
            let name = rest[start.upperBound..<close].trimmingCharacters(in: .whitespaces)
            guard let value = context.lookup(name) else {
                throw SourceError(file: file, mark: mark, message: "undefined variable '${\(name)}'\(hint(for: name))", source: source)
            }
            switch value {
            case .map, .list:
                throw SourceError(file: file, mark: mark, message: "'${\(name)}' is \(value.kindName); only scalars can be substituted into text", source: source)
            case .string(let s): out += s
            default: out += value.inlineText
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    private func hint(for name: String) -> String {
        let known = context.flattened().map(\.key) + ((context.map) ?? []).map(\.key)
        return Suggestion.hint(for: name, in: Array(Set(known)).sorted())
    }
}

extension Value {
    var map: [Entry]? {
        if case .map(let e) = self { return e }
        return nil
    }

    var kindName: String {
        switch self {
        case .map: return "a mapping"
        case .list: return "a list"
        default: return "a scalar"
        }
    }
}
