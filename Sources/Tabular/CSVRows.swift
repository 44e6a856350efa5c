/// A strict RFC 4180 reader: fields separated by commas, records by LF or CRLF, quoted fields with
/// doubled quotes inside. A UTF-8 byte order mark at the start is skipped. Everything else that a lenient
/// reader would guess at is an error naming the line: an unterminated quoted field, a quote inside an
/// unquoted field, text after a closing quote, a stray carriage return, invalid UTF-8, a blank line, a
/// header that repeats a column, a record whose field count differs from the header's.
public enum CSVRows {
    /// One field as CSV writes it: quoted (quotes doubled) when it holds a comma, quote or line break.
    public static func field(_ s: String) -> String {
        // By byte: "\r\n" is one Character, equal to neither "\r" nor "\n".
        s.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D } ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Why the text is not CSV, and on which line (1-based, counting line breaks).
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The header and up to `limit` records of the UTF-8 CSV `text`.
    public static func read(_ text: String, limit: Int = .max) throws(Failure) -> (header: [String], rows: [[String]]) {
        try parse(Array(text.utf8), limit: limit)
    }

    /// The header and up to `limit` records of the CSV `bytes`.
    public static func parse(_ bytes: [UInt8], limit: Int = .max) throws(Failure) -> (header: [String], rows: [[String]]) {
        var reader = Reader(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.i = 3 }
        guard let header = try reader.record() else { return ([], []) }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw Failure(line: 1, reason: "the header repeats the column '\(name)'")
        }
        var rows: [[String]] = []
        while rows.count < limit, let record = try reader.record() {
            guard record.count == header.count else {
                throw Failure(line: reader.recordLine, reason: "\(record.count) field\(record.count == 1 ? "" : "s"), the header has \(header.count)")
            }
            rows.append(record)
        }
        return (header, rows)
    }

    private struct Reader {
        let bytes: [UInt8]
        var i = 0
        var line = 1
        /// The line the last record started on.
        var recordLine = 1

        static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        /// The next record, or nil at the end of the input.
        mutating func record() throws(Failure) -> [String]? {
            guard i < bytes.count else { return nil }
            recordLine = line
            if bytes[i] == Reader.lf || (bytes[i] == Reader.cr && i + 1 < bytes.count && bytes[i + 1] == Reader.lf) {
                throw Failure(line: line, reason: "blank line (a record needs at least one field; remove the line)")
            }
            var fields: [String] = []
            while true {
                fields.append(try field())
                guard i < bytes.count else { return fields }
                switch bytes[i] {
                case Reader.comma: i += 1
                case Reader.lf: i += 1; line += 1; return fields
                default:  // a carriage return: field() stops only at CRLF
                    i += 2; line += 1; return fields
                }
            }
        }

        mutating func field() throws(Failure) -> String {
            var raw: [UInt8] = []
            if i < bytes.count && bytes[i] == Reader.quote {
                let opened = line
                i += 1
                while true {
                    guard i < bytes.count else { throw Failure(line: opened, reason: "a quoted field opened on this line is never closed") }
                    let b = bytes[i]
                    if b == Reader.quote {
                        if i + 1 < bytes.count && bytes[i + 1] == Reader.quote { raw.append(b); i += 2; continue }
                        i += 1
                        break
                    }
                    if b == Reader.lf { line += 1 }
                    raw.append(b)
                    i += 1
                }
                if i < bytes.count, bytes[i] != Reader.comma, bytes[i] != Reader.lf, !isCRLF(i) {
                    throw Failure(line: line, reason: "\(describe(bytes[i])) after a closing quote (expected ',' or the end of the line)")
                }
            } else {
                let start = i
                while i < bytes.count, bytes[i] != Reader.comma, bytes[i] != Reader.lf {
                    if bytes[i] == Reader.quote {
                        throw Failure(line: line, reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    if bytes[i] == Reader.cr {
                        if isCRLF(i) { break }
                        throw Failure(line: line, reason: "a carriage return that does not end the line")
                    }
                    i += 1
                }
                return try text(bytes[start..<i])
            }
            return try text(raw)
        }

        /// The field's bytes as text: ASCII taken as it is, anything else validated as UTF-8.
        func text<C: Collection<UInt8>>(_ raw: C) throws(Failure) -> String {
            if raw.allSatisfy({ $0 < 0x80 }) { return String(decoding: raw, as: UTF8.self) }
            guard let text = String(validating: raw, as: UTF8.self) else { throw Failure(line: line, reason: "not valid UTF-8") }
            return text
        }

        func isCRLF(_ at: Int) -> Bool { bytes[at] == Reader.cr && at + 1 < bytes.count && bytes[at + 1] == Reader.lf }

        func describe(_ b: UInt8) -> String {
            b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
        }
    }
}
