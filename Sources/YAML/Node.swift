/// A position in a YAML source text: 1-based line and column.
public struct Mark: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in characters.
    public var column: Int

    /// Creates a mark at `line`:`column` (both 1-based).
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// A parsed YAML node with the marks where it starts and ends in its source.
public struct Node: Sendable {
    /// The shape of a node: a scalar, a sequence or a mapping.
    public enum Kind: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Pair])
    }

    /// A key/value pair of a mapping, in source order.
    public struct Pair: Sendable {
        public var key: Node
        public var value: Node
        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var kind: Kind
    /// Where the node starts.
    public var start: Mark
    /// Where the node ends (exclusive).
    public var end: Mark

    /// Creates a node.
    public init(kind: Kind, start: Mark, end: Mark) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    /// The scalar, when this node is one.
    public var scalar: Scalar? {
        if case .scalar(let s) = kind { return s }
        return nil
    }

    /// The items, when this node is a sequence.
    public var sequence: [Node]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The pairs, when this node is a mapping.
    public var mapping: [Pair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value of the first pair whose key is the scalar `key`.
    public subscript(key: String) -> Node? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }

    /// A word for the node's shape, for error messages.
    public var kindName: String {
        switch kind {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// A scalar's text and whether it was written plain (unquoted), which decides its type.
public struct Scalar: Sendable, Hashable {
    public var text: String
    public var isPlain: Bool

    /// Creates a scalar.
    public init(text: String, isPlain: Bool) {
        self.text = text
        self.isPlain = isPlain
    }
}
