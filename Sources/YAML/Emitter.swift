/// Writes values as YAML with stable, byte-for-byte deterministic formatting.
///
/// Mappings and lists nested `flowDepth` levels deep or more are written inline
/// (`{sha256: ..., size: 3}`), so a lock file keeps one line per file.
public enum YAMLEmitter {
    /// The YAML text of `value`, ending in a newline. Map keys are sorted when `sortKeys`.
    public static func emit(_ value: Value, sortKeys: Bool = true, flowDepth: Int = .max) -> String {
        var out = ""
        switch value {
        case .map(let entries) where !entries.isEmpty:
            block(entries: entries, indent: 0, depth: 0, sortKeys: sortKeys, flowDepth: flowDepth, into: &out)
        case .list(let items) where !items.isEmpty:
            block(items: items, indent: 0, depth: 0, sortKeys: sortKeys, flowDepth: flowDepth, into: &out)
        default:
            out = inline(value, sortKeys: sortKeys) + "\n"
        }
        return out
    }

    /// A value on one line: a scalar, or a flow collection.
    public static func inline(_ value: Value, sortKeys: Bool = true) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return double(d)
        case .string(let s): return string(s)
        case .list(let items): return "[" + items.map { inline($0, sortKeys: sortKeys) }.joined(separator: ", ") + "]"
        case .map(let entries):
            let sorted = sortKeys ? entries.sorted { $0.key < $1.key } : entries
            return "{" + sorted.map { string($0.key) + ": " + inline($0.value, sortKeys: sortKeys) }.joined(separator: ", ") + "}"
        }
    }

    private static func isCollection(_ value: Value) -> Bool {
        switch value {
        case .map(let e): return !e.isEmpty
        case .list(let l): return !l.isEmpty
        default: return false
        }
    }

    private static func block(entries: [Value.Entry], indent: Int, depth: Int, sortKeys: Bool, flowDepth: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        let sorted = sortKeys ? entries.sorted { $0.key < $1.key } : entries
        for entry in sorted {
            out += pad + string(entry.key) + ":"
            child(entry.value, indent: indent + 2, depth: depth + 1, sortKeys: sortKeys, flowDepth: flowDepth, into: &out)
        }
    }

    private static func block(items: [Value], indent: Int, depth: Int, sortKeys: Bool, flowDepth: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            out += pad + "-"
            child(item, indent: indent + 2, depth: depth + 1, sortKeys: sortKeys, flowDepth: flowDepth, into: &out)
        }
    }

    private static func child(_ value: Value, indent: Int, depth: Int, sortKeys: Bool, flowDepth: Int, into out: inout String) {
        guard isCollection(value), depth < flowDepth else {
            out += " " + inline(value, sortKeys: sortKeys) + "\n"
            return
        }
        out += "\n"
        switch value {
        case .map(let entries):
            block(entries: entries, indent: indent, depth: depth, sortKeys: sortKeys, flowDepth: flowDepth, into: &out)
        case .list(let items):
            block(items: items, indent: indent, depth: depth, sortKeys: sortKeys, flowDepth: flowDepth, into: &out)
        default: break
        }
    }

    static func double(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
        if d == d.rounded(), abs(d) < 1e15 { return "\(Int(d)).0" }
        return "\(d)"
    }

    /// A string written plain when it would read back as the same string, double-quoted otherwise.
    public static func string(_ s: String) -> String {
        needsQuotes(s) ? quoted(s) : s
    }

    static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last else { return true }
        if Value.resolve(Scalar(text: s, isPlain: true)) != .string(s) { return true }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !(first == "-" && s.count > 1 && !s.dropFirst().hasPrefix(" ")) {
            return true
        }
        if first == " " || last == " " || last == ":" { return true }
        if s.contains(": ") || s.contains(" #") || s.contains("\t") { return true }
        return s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{FEFF}" }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{FEFF}" {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
