/// Writes values as JSON with deterministic formatting (two-space indent, keys sorted when asked).
///
/// JSON is read back with `YAMLParser`: every JSON document is also YAML 1.2.
public enum JSONEmitter {
    /// The JSON text of `value`, ending in a newline.
    public static func emit(_ value: Value, sortKeys: Bool = true) -> String {
        var out = ""
        write(value, indent: 0, sortKeys: sortKeys, into: &out)
        return out + "\n"
    }

    /// The JSON text of `value` on one line with no spaces, keys in their order, ending in a newline: for
    /// answers over the wire, where every byte is paid per request.
    public static func compact(_ value: Value) -> String {
        var out = ""
        out.reserveCapacity(256)
        writeCompact(value, into: &out)
        out += "\n"
        return out
    }

    private static func writeCompact(_ value: Value, into out: inout String) {
        switch value {
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                writeCompact(item, into: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{"
            for (i, entry) in entries.enumerated() {
                if i > 0 { out += "," }
                out += string(entry.key)
                out += ":"
                writeCompact(entry.value, into: &out)
            }
            out += "}"
        default: write(value, indent: 0, sortKeys: false, into: &out)
        }
    }

    private static func write(_ value: Value, indent: Int, sortKeys: Bool, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += number(d)
        case .string(let s): out += string(s)
        case .list(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 2, sortKeys: sortKeys, into: &out)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .map(let entries):
            guard !entries.isEmpty else { out += "{}"; return }
            let sorted = sortKeys ? entries.sorted { $0.key < $1.key } : entries
            out += "{\n"
            for (i, entry) in sorted.enumerated() {
                out += pad + string(entry.key) + ": "
                write(entry.value, indent: indent + 2, sortKeys: sortKeys, into: &out)
                out += i == sorted.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    /// A finite double in its shortest round-trip form; NaN and infinities have no JSON form and become null.
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return "\(Int(d)).0" }
        return "\(d)"
    }

    /// A JSON string literal (YAML's double-quoted escapes are a subset of JSON's).
    public static func string(_ s: String) -> String {
        YAMLEmitter.quoted(s)
    }
}
