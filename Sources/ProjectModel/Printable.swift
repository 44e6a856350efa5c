extension Paths {
    /// `text` safe to print on a terminal: control characters (C0, DEL, C1) and the bidirectional
    /// overrides are written as escapes (`\e`, `\r`, `\0`, `\u{202E}`), so a hostile name cannot move
    /// the cursor, rewrite a line or reverse what follows it. `keepNewlines` leaves `\n` and `\t` as
    /// they are, for multi-line messages.
    public static func printable(_ text: String, keepNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepNewlines) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar, keepNewlines) else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\0": out += "\\0"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    private static func needsEscape(_ s: Unicode.Scalar, _ keepNewlines: Bool) -> Bool {
        switch s.value {
        case 0x0A, 0x09: return !keepNewlines
        case 0..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
