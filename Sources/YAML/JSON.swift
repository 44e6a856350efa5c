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
        String(decoding: compactBytes(value), as: UTF8.self)
    }

    /// `compact` as UTF-8 bytes, written straight into a byte array.
    public static func compactBytes(_ value: Value) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        writeCompact(value, into: &out)
        out.append(0x0a)
        return out
    }

    private static func writeCompact(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .double(let d): out += number(d).utf8
        case .string(let s): writeString(s, into: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeCompact(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let entries):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &out)
                out.append(UInt8(ascii: ":"))
                writeCompact(entry.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `string(s)`'s bytes; a string with nothing to escape is copied as it is.
    private static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        let copied = s.withUTF8 { u -> Bool in
            // Quote, backslash, control characters, DEL, and 0xEF (which starts U+FEFF) take the escaping writer.
            for b in u where b < 0x20 || b == 0x22 || b == 0x5c || b == 0x7f || b == 0xef { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: u)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if !copied { out += string(s).utf8 }
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
