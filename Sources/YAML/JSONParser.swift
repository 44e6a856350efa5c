/// A strict JSON (RFC 8259) reader for bytes from untrusted clients: integers become `.int` (when they
/// fit), other numbers `.double`; objects keep their key order and must not repeat a key; nesting is
/// bounded; nothing may follow the value but whitespace. Errors give the byte offset.
/// One extension, only when asked (`nonFinite`): `NaN`, `Infinity` and `-Infinity`, which Python's `json`
/// writes by default for such floats. MLflow's scoring client sends a missing value in a float column so.
public struct JSONParser {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    package let bytes: [UInt8]
    package var i = 0
    private let maxDepth: Int
    /// Whether `NaN`, `Infinity` and `-Infinity` are read (as doubles).
    private let nonFinite: Bool
    /// The keys of the last object read at each depth, in order. Rows of a table repeat their keys in the same
    /// order: a key whose bytes equal the hint's is taken from it (no new string), and an object whose keys
    /// all match the hint's cannot repeat a key, as the hint's keys were checked once.
    private var keyHints: [[String]] = []
    /// The hint of a depth where no object was read yet.
    private let firstHint: [String]

    /// Keys a caller expects objects to list, in this order (a model's feature columns): distinct, which is
    /// checked once here, so an object that lists them in order needs no duplicate check of its own.
    public struct ExpectedKeys: Sendable {
        let keys: [String]
        /// Each key's UTF-8 when none holds a quote, a backslash or a control character (so each is written in
        /// JSON as it is): what `rows` matches.
        package let plain: [[UInt8]]?
        public init?(_ keys: [String]) {
            guard Set(keys).count == keys.count else { return nil }
            self.keys = keys
            let utf8 = keys.map { Array($0.utf8) }
            plain = utf8.allSatisfy { $0.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") } } ? utf8 : nil
        }
    }

    /// Parses one JSON document; objects listing `expected` keys in order are read faster (any other object is
    /// read as well, only without the shortcut).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64, expected: ExpectedKeys? = nil, nonFinite: Bool = false) throws(Failure) -> Value {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, firstHint: expected?.keys ?? [], nonFinite: nonFinite)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected \(parser.describe()) after the value") }
        return value
    }

    package init(bytes: [UInt8], maxDepth: Int, firstHint: [String], nonFinite: Bool = false) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.firstHint = firstHint
        self.nonFinite = nonFinite
    }

    func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

    private func describe() -> String {
        guard i < bytes.count else { return "end of input" }
        let b = bytes[i]
        return b >= 0x20 && b < 0x7f ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
    }

    package mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0a || bytes[i] == 0x0d || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func literal(_ word: String, _ value: Value) throws(Failure) -> Value {
        let w = Array(word.utf8), n = w.count
        guard i + n <= bytes.count, bytes[i..<(i + n)].elementsEqual(w) else { throw fail("unexpected \(describe())") }
        i += n
        return value
    }

    package mutating func value(depth: Int) throws(Failure) -> Value {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N") where nonFinite: return try literal("NaN", .double(.nan))
        case UInt8(ascii: "I") where nonFinite: return try literal("Infinity", .double(.infinity))
        case UInt8(ascii: "-") where nonFinite && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "I"):
            return try literal("-Infinity", .double(-.infinity))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected \(describe())")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> Value {
        guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
        i += 1
        while keyHints.count <= depth { keyHints.append(firstHint) }
        let hint = keyHints[depth]
        var entries: [Value.Entry] = []
        entries.reserveCapacity(hint.count)
        var keys: Set<String>?  // made only once a key differs from the hint
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .map([]) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describe())") }
            let keyOffset = i, k = entries.count
            let key: String
            if k < hint.count, keys == nil, let known = hintedKey(hint[k]) {
                key = known
            } else {
                key = try string()
                if keys == nil { keys = Set(entries.map(\.key)) }
                guard keys!.insert(key).inserted else { throw Failure(offset: keyOffset, reason: "duplicate key \"\(key)\"") }
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key, found \(describe())") }
            i += 1
            skipSpace()
            entries.append(.init(key, try value(depth: depth)))
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input in an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") {
                i += 1
                if keys != nil || entries.count != hint.count { keyHints[depth] = entries.map(\.key) }
                return .map(entries)
            }
            throw fail("expected ',' or '}', found \(describe())")
        }
    }

    /// `hint` when the string at `i` is exactly it (quotes included, no escapes), moving past it; else nil.
    mutating func hintedKey(_ hint: String) -> String? {
        var hint = hint
        let matched = hint.withUTF8 { h -> Bool in
            let end = i + 1 + h.count
            guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return false }
            return bytes.withUnsafeBufferPointer { b in
                // A hint holding a quote, a backslash or a control character is never matched: written plainly, those
                // bytes do not spell it.
                for k in 0..<h.count where b[i + 1 + k] != h[k] || h[k] == UInt8(ascii: "\\") || h[k] == UInt8(ascii: "\"") || h[k] < 0x20 { return false }
                return true
            }
        }
        guard matched else { return nil }
        i += hint.utf8.count + 2
        return hint
    }

    private mutating func array(depth: Int) throws(Failure) -> Value {
        guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
        i += 1
        var items: [Value] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .list([]) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input in an array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .list(items) }
            throw fail("expected ',' or ']', found \(describe())")
        }
    }

    private mutating func number() throws(Failure) -> Value {
        let start = i
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let n = digits()
        guard n > 0 else { throw fail("a number needs digits") }
        guard !(n > 1 && bytes[intStart] == UInt8(ascii: "0")) else { throw Failure(offset: intStart, reason: "leading zeros are not allowed") }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            integral = false
            guard digits() > 0 else { throw fail("a fraction needs digits") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            integral = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("an exponent needs digits") }
        }
        if integral, n <= 18 {  // fits in an Int: no text to parse
            var v = 0
            for k in intStart..<(intStart + n) { v = v * 10 + Int(bytes[k] &- 0x30) }
            return .int(intStart > start ? -v : v)
        }
        if !integral, let d = exactDouble(start) { return .double(d) }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let v = Int(text) { return .int(v) }
        guard let d = Double(text), d.isFinite else { throw Failure(offset: start, reason: "number \(text) is out of range") }
        return .double(d)
    }

    /// The number in `bytes[start..<i]` when its digits form an integer below 2^53 scaled by at most 10^22
    /// either way: then one exact multiply or divide gives the correctly rounded double (Clinger's fast
    /// path), with no text to convert. Nil otherwise, for the full conversion.
    private func exactDouble(_ start: Int) -> Double? {
        var k = start, negative = false
        if bytes[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        var mantissa: UInt64 = 0, digits = 0, scale = 0, seenPoint = false
        while k < i {
            let b = bytes[k]
            if b == UInt8(ascii: ".") { seenPoint = true; k += 1; continue }
            if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { break }
            if mantissa > 0 || b != UInt8(ascii: "0") { digits += 1 }
            guard digits <= 15 else { return nil }
            mantissa = mantissa * 10 + UInt64(b &- 0x30)
            if seenPoint { scale -= 1 }
            k += 1
        }
        if k < i {  // the exponent
            k += 1
            var sign = 1, e = 0
            if bytes[k] == UInt8(ascii: "-") { sign = -1; k += 1 } else if bytes[k] == UInt8(ascii: "+") { k += 1 }
            while k < i { e = e * 10 + Int(bytes[k] &- 0x30); k += 1; if e > 400 { return nil } }
            scale += sign * e
        }
        guard abs(scale) <= 22 else { return nil }
        let m = Double(mantissa)
        let d = scale < 0 ? m / JSONParser.powersOfTen[-scale] : m * JSONParser.powersOfTen[scale]
        return negative ? -d : d
    }

    private static let powersOfTen: [Double] = (0...22).map { p in (0..<p).reduce(1.0) { acc, _ in acc * 10 } }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw fail("\\u needs four hex digits")
        }
        i += 4
        return v
    }

    package mutating func string() throws(Failure) -> String {
        i += 1
        var out: [UInt8] = []
        var plainStart = i
        var ascii = true
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { break }
            if b >= 0x80 { ascii = false }
            if b < 0x20 { throw fail("control character in a string (escape it)") }
            if b != UInt8(ascii: "\\") { i += 1; continue }
            out += bytes[plainStart..<i]
            i += 1
            guard i < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("unpaired surrogate")
                }
                out += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: throw fail("unknown escape \\\(Character(Unicode.Scalar(e)))")
            }
            plainStart = i
        }
        let s: String?
        if out.isEmpty {
            // No escapes: straight from the input, and ASCII needs no validation.
            s = ascii ? String(decoding: bytes[plainStart..<i], as: UTF8.self) : String(validating: bytes[plainStart..<i], as: UTF8.self)
        } else {
            out += bytes[plainStart..<i]
            s = String(validating: out, as: UTF8.self)
        }
        i += 1
        guard let s else { throw fail("a string is not valid UTF-8") }
        return s
    }
}
