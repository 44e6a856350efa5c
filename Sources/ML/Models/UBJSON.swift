/// A reader for Universal Binary JSON as XGBoost writes its models: big-endian numbers, object keys without
/// a type marker, and typed arrays (`[$d#L<count>` then the values) for the trees' node fields. Every length
/// and count is checked against the bytes left, so a damaged or hostile model is an error, never a crash or a
/// huge allocation.
enum UBJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([UBJSON])
    case object([(key: String, value: UBJSON)])
    /// A typed array of float32 values.
    case floats([Float])
    /// A typed array of integers (any width, signed or not) or float64 values.
    case numbers([Double])

    subscript(key: String) -> UBJSON? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// A string, or a number written as one (XGBoost stores its parameters as strings).
    var text: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return nil
        }
    }

    /// The values of a typed or plain array of numbers, as Float.
    var floatValues: [Float]? {
        switch self {
        case .floats(let values): return values
        case .numbers(let values): return values.map(Float.init)
        case .array(let items):
            var out: [Float] = []
            out.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .int(let i): out.append(Float(i))
                case .double(let d): out.append(Float(d))
                default: return nil
                }
            }
            return out
        default: return nil
        }
    }

    /// The values of an array of integers (typed or plain), as Int.
    var intValues: [Int]? {
        switch self {
        case .numbers(let values):
            var out: [Int] = []
            out.reserveCapacity(values.count)
            for v in values {
                guard v == v.rounded(), abs(v) < 9e15 else { return nil }
                out.append(Int(v))
            }
            return out
        case .array(let items):
            var out: [Int] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard case .int(let i) = item else { return nil }
                out.append(Int(i))
            }
            return out
        default: return nil
        }
    }

    /// Parses one value that fills `bytes`.
    static func parse(_ bytes: [UInt8], name: String) throws(MLError) -> UBJSON {
        var reader = Reader(bytes: bytes, name: name)
        let value = try reader.value(depth: 0)
        guard reader.i == bytes.count else { throw reader.fail("trailing bytes after the model") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        let name: String
        var i = 0
        static let maxDepth = 64

        func fail(_ reason: String) -> MLError { MLError("\(name) is not a readable XGBoost model: \(reason) (at byte \(i))") }

        mutating func byte() throws(MLError) -> UInt8 {
            guard i < bytes.count else { throw fail("it ends early") }
            defer { i += 1 }
            return bytes[i]
        }

        /// `width` bytes as a big-endian unsigned integer.
        mutating func word(_ width: Int) throws(MLError) -> UInt64 {
            guard bytes.count - i >= width else { throw fail("it ends early") }
            var v: UInt64 = 0
            for k in 0..<width { v = v << 8 | UInt64(bytes[i + k]) }
            i += width
            return v
        }

        /// A number of the type `marker`, or nil when `marker` is not a number type.
        mutating func number(_ marker: UInt8) throws(MLError) -> UBJSON? {
            switch marker {
            case UInt8(ascii: "i"): return .int(Int64(Int8(truncatingIfNeeded: try word(1))))
            case UInt8(ascii: "U"): return .int(Int64(try word(1)))
            case UInt8(ascii: "I"): return .int(Int64(Int16(truncatingIfNeeded: try word(2))))
            case UInt8(ascii: "l"): return .int(Int64(Int32(truncatingIfNeeded: try word(4))))
            case UInt8(ascii: "L"): return .int(Int64(bitPattern: try word(8)))
            case UInt8(ascii: "d"): return .double(Double(Float(bitPattern: UInt32(try word(4)))))
            case UInt8(ascii: "D"): return .double(Double(bitPattern: try word(8)))
            default: return nil
            }
        }

        /// A length or count: an integer of any type, not negative, and at most what the bytes left can hold
        /// (each item takes at least `itemSize` bytes).
        mutating func count(itemSize: Int) throws(MLError) -> Int {
            let marker = try byte()
            guard case .int(let n)? = try number(marker) else { throw fail("a length is not an integer") }
            guard n >= 0, n <= Int64((bytes.count - i) / max(itemSize, 1)) else { throw fail("a length of \(n) runs past the end") }
            return Int(n)
        }

        mutating func string() throws(MLError) -> String {
            let n = try count(itemSize: 1)
            defer { i += n }
            guard let s = String(validating: bytes[i..<(i + n)], as: UTF8.self) else { throw fail("a string is not UTF-8") }
            return s
        }

        mutating func value(depth: Int) throws(MLError) -> UBJSON {
            var marker = try byte()
            while marker == UInt8(ascii: "N") { marker = try byte() }  // no-op padding
            if let n = try number(marker) { return n }
            switch marker {
            case UInt8(ascii: "Z"): return .null
            case UInt8(ascii: "T"): return .bool(true)
            case UInt8(ascii: "F"): return .bool(false)
            case UInt8(ascii: "S"), UInt8(ascii: "H"): return .string(try string())
            case UInt8(ascii: "C"): return .string(String(UnicodeScalar(try byte())))
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            default: throw fail("unknown type marker \(marker)")
            }
        }

        /// After `[`: an optional `$type` and `#count`, then the items (and `]` when no count was given).
        mutating func array(depth: Int) throws(MLError) -> UBJSON {
            guard depth <= Reader.maxDepth else { throw fail("nested deeper than \(Reader.maxDepth) levels") }
            var type: UInt8?
            if i < bytes.count, bytes[i] == UInt8(ascii: "$") {
                i += 1
                type = try byte()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "#") else { throw fail("a typed array has no count") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "#") {
                i += 1
                if let type, let width = Reader.widths[type] {
                    let n = try count(itemSize: width)
                    if type == UInt8(ascii: "d") {
                        var out = [Float](repeating: 0, count: n)
                        for k in 0..<n { out[k] = Float(bitPattern: UInt32(try word(4))) }
                        return .floats(out)
                    }
                    var out = [Double](repeating: 0, count: n)
                    for k in 0..<n {
                        guard case let item? = try number(type) else { throw fail("a typed array holds no numbers") }
                        switch item {
                        case .int(let v): out[k] = Double(v)
                        case .double(let v): out[k] = v
                        default: break
                        }
                    }
                    return .numbers(out)
                }
                let n = try count(itemSize: type == nil ? 1 : 0)
                var items: [UBJSON] = []
                items.reserveCapacity(min(n, bytes.count - i))
                for _ in 0..<n { items.append(try typed(type, depth: depth)) }
                return .array(items)
            }
            guard type == nil else { throw fail("a typed array has no count") }
            var items: [UBJSON] = []
            while true {
                guard i < bytes.count else { throw fail("an array is not closed") }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                items.append(try value(depth: depth))
            }
        }

        /// After `{`: keys (a length and bytes, no marker) and values, to `}` or a `#count`.
        mutating func object(depth: Int) throws(MLError) -> UBJSON {
            guard depth <= Reader.maxDepth else { throw fail("nested deeper than \(Reader.maxDepth) levels") }
            var entries: [(key: String, value: UBJSON)] = []
            var type: UInt8?
            if i < bytes.count, bytes[i] == UInt8(ascii: "$") { i += 1; type = try byte() }
            if i < bytes.count, bytes[i] == UInt8(ascii: "#") {
                i += 1
                let n = try count(itemSize: 2)
                for _ in 0..<n { entries.append((try string(), try typed(type, depth: depth))) }
                return .object(entries)
            }
            guard type == nil else { throw fail("a typed object has no count") }
            while true {
                guard i < bytes.count else { throw fail("an object is not closed") }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(entries) }
                entries.append((try string(), try value(depth: depth)))
            }
        }

        /// One item of a container whose items all have `type` (nil: each carries its own marker).
        mutating func typed(_ type: UInt8?, depth: Int) throws(MLError) -> UBJSON {
            guard let type else { return try value(depth: depth) }
            if let n = try number(type) { return n }
            switch type {
            case UInt8(ascii: "Z"): return .null
            case UInt8(ascii: "T"): return .bool(true)
            case UInt8(ascii: "F"): return .bool(false)
            case UInt8(ascii: "S"): return .string(try string())
            default: throw fail("unsupported container type \(type)")
            }
        }

        /// The byte width of each fixed-size number type, for typed arrays.
        static let widths: [UInt8: Int] = [UInt8(ascii: "i"): 1, UInt8(ascii: "U"): 1, UInt8(ascii: "I"): 2, UInt8(ascii: "l"): 4,
                                           UInt8(ascii: "L"): 8, UInt8(ascii: "d"): 4, UInt8(ascii: "D"): 8]
    }
}
