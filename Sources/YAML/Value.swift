/// A typed YAML value (YAML 1.2 core schema), the form params and locks are compared in.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case map([Entry])

    /// One key of a mapping value.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: Value
        public init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// The value for `key` when this is a map.
    public subscript(key: String) -> Value? {
        if case .map(let entries) = self { return entries.first { $0.key == key }?.value }
        return nil
    }

    /// The string, when this is one.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Leaf values keyed by their dotted path (`train.max_depth`); lists count as leaves.
    public func flattened(prefix: String = "") -> [(key: String, value: Value)] {
        guard case .map(let entries) = self else { return [(prefix, self)] }
        if entries.isEmpty && !prefix.isEmpty { return [(prefix, self)] }
        return entries.flatMap { entry in
            entry.value.flattened(prefix: prefix.isEmpty ? entry.key : prefix + "." + entry.key)
        }
    }

    /// The value at a dotted path (`train.max_depth`), or nil.
    public func lookup(_ path: String) -> Value? {
        var current = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// The value with every map's keys sorted, recursively: equal for values that differ only in key order.
    public var canonical: Value {
        switch self {
        case .map(let entries): return .map(entries.map { Entry($0.key, $0.value.canonical) }.sorted { $0.key < $1.key })
        case .list(let items): return .list(items.map(\.canonical))
        default: return self
        }
    }

    /// The value written inline, as the emitter prints a scalar or a flow collection.
    public var inlineText: String { YAMLEmitter.inline(self) }
}

extension Value {
    /// Resolves a plain scalar by the YAML 1.2 core schema; quoted scalars are strings.
    public static func resolve(_ scalar: Scalar) -> Value {
        guard scalar.isPlain else { return .string(scalar.text) }
        let t = scalar.text
        switch t {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let i = parseInt(t) { return .int(i) }
        if isFloatSyntax(t), let d = Double(t) { return .double(d) }
        return .string(t)
    }

    static func parseInt(_ t: String) -> Int? {
        if t.hasPrefix("0x") { return Int(t.dropFirst(2), radix: 16) }
        if t.hasPrefix("0o") { return Int(t.dropFirst(2), radix: 8) }
        var digits = Substring(t)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(t)
    }

    static func isFloatSyntax(_ t: String) -> Bool {
        var s = Substring(t)
        if s.first == "-" || s.first == "+" { s = s.dropFirst() }
        var sawDigit = false
        var sawDot = false
        while let c = s.first, c.isASCII, c.isNumber || c == "." {
            if c == "." { if sawDot { return false }; sawDot = true } else { sawDigit = true }
            s = s.dropFirst()
        }
        guard sawDigit else { return false }
        if s.isEmpty { return true }
        guard s.first == "e" || s.first == "E" else { return false }
        s = s.dropFirst()
        if s.first == "-" || s.first == "+" { s = s.dropFirst() }
        return !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension Node {
    /// The node as a typed value (mapping keys taken as their text).
    public var value: Value {
        switch kind {
        case .scalar(let s): return Value.resolve(s)
        case .sequence(let items): return .list(items.map(\.value))
        case .mapping(let pairs): return .map(pairs.map { Value.Entry($0.key.scalar?.text ?? "", $0.value.value) })
        }
    }
}
