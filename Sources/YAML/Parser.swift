import CYAML

/// Bounds on what one YAML document may cost before it is judged: nesting depth, nodes (each alias
/// counted as the nodes it stands for, so a few hundred bytes of nested aliases cannot expand to
/// gigabytes downstream), and whether aliases are allowed at all.
public struct YAMLLimits: Sendable {
    public var maxDepth: Int
    public var maxNodes: Int
    public var allowAliases: Bool

    /// Creates limits.
    public init(maxDepth: Int, maxNodes: Int, allowAliases: Bool) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.allowAliases = allowAliases
    }

    /// The project's own files (project.yaml, params.yaml, locks, metrics): anchors allowed, bounded.
    public static let standard = YAMLLimits(maxDepth: 256, maxNodes: 2_000_000, allowAliases: true)
    /// Files that arrive from elsewhere (a bundle's manifest, signature, schema, selftest; a store index):
    /// no anchors or aliases at all.
    public static let untrusted = YAMLLimits(maxDepth: 64, maxNodes: 2_000_000, allowAliases: false)
}

/// Parses YAML text into a `Node` tree with marks, through libyaml's event API.
///
/// This file is the only place in the module that touches libyaml. Nesting, node count and aliases are
/// bounded by `YAMLLimits`; duplicate keys are found through a set, so parsing stays linear in the input.
public enum YAMLParser {
    /// Parses `text` (a single document; an empty text gives nil). `file` names it in errors.
    public static func parse(_ text: String, file: String, limits: YAMLLimits = .standard) throws(SourceError) -> Node? {
        var bytes = Array(text.utf8)
        let result: Result<Node?, SourceError> = bytes.withUnsafeMutableBufferPointer { buffer in
            let reader = EventReader(buffer: buffer, file: file, source: text, limits: limits)
            defer { reader.close() }
            do throws(SourceError) { return .success(try reader.document()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// Owns one `yaml_parser_t` (yaml_parser_initialize / yaml_parser_delete) and builds nodes from its events.
private final class EventReader {
    private var parser = yaml_parser_t()
    private let file: String
    private let source: String
    private let limits: YAMLLimits
    /// Anchored nodes and how many nodes each stands for.
    private var anchors: [String: (node: Node, weight: Int)] = [:]
    /// Nodes made so far, aliases counted by their weight.
    private var nodes = 0

    init(buffer: UnsafeMutableBufferPointer<UInt8>, file: String, source: String, limits: YAMLLimits) {
        self.file = file
        self.source = source
        self.limits = limits
        yaml_parser_initialize(&parser)
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    }

    func close() { yaml_parser_delete(&parser) }

    /// One parsed event, copied out of libyaml's memory.
    private enum Event {
        case streamStart, streamEnd, documentStart, documentEnd
        case scalar(Scalar, anchor: String?, start: Mark, end: Mark)
        case sequenceStart(anchor: String?, start: Mark)
        case sequenceEnd(end: Mark)
        case mappingStart(anchor: String?, start: Mark)
        case mappingEnd(end: Mark)
        case alias(String, start: Mark)

        var start: Mark? {
            switch self {
            case .scalar(_, _, let start, _), .sequenceStart(_, let start), .mappingStart(_, let start), .alias(_, let start): return start
            default: return nil
            }
        }
    }

    func document() throws(SourceError) -> Node? {
        guard case .streamStart = try next() else { throw error("expected the start of a YAML stream") }
        let first = try next()
        if case .streamEnd = first { return nil }
        guard case .documentStart = first else { throw error("expected a YAML document") }
        let root = try node(from: try next(), depth: 1)
        guard case .documentEnd = try next() else { throw error("expected the end of the document") }
        let after = try next()
        if case .documentStart = after {
            throw SourceError(file: file, mark: nil, message: "holds more than one YAML document; expected one")
        }
        return root
    }

    private func node(from event: Event, depth: Int) throws(SourceError) -> Node {
        let first = nodes
        try count(1, at: event)
        switch event {
        case .scalar(let scalar, let anchor, let start, let end):
            return remember(Node(kind: .scalar(scalar), start: start, end: end), anchor, since: first)
        case .sequenceStart(let anchor, let start):
            try checkDepth(depth, start)
            var items: [Node] = []
            while true {
                let e = try next()
                if case .sequenceEnd(let end) = e {
                    return remember(Node(kind: .sequence(items), start: start, end: end), anchor, since: first)
                }
                items.append(try node(from: e, depth: depth + 1))
            }
        case .mappingStart(let anchor, let start):
            try checkDepth(depth, start)
            var pairs: [Node.Pair] = []
            var keys = Set<String>()
            while true {
                let e = try next()
                if case .mappingEnd(let end) = e {
                    return remember(Node(kind: .mapping(pairs), start: start, end: end), anchor, since: first)
                }
                let key = try node(from: e, depth: depth + 1)
                let value = try node(from: try next(), depth: depth + 1)
                if key.scalar?.text == "<<", let merged = value.mapping {
                    for pair in merged where !(pair.key.scalar.map { keys.contains($0.text) } ?? false) {
                        if let text = pair.key.scalar?.text { keys.insert(text) }
                        pairs.append(pair)
                    }
                    continue
                }
                if let text = key.scalar?.text, !keys.insert(text).inserted {
                    throw SourceError(file: file, mark: key.start, message: "duplicate key '\(text)'", source: source)
                }
                pairs.append(Node.Pair(key: key, value: value))
            }
        case .alias(let name, let start):
            guard limits.allowAliases else {
                throw SourceError(file: file, mark: start, message: "aliases (*\(name)) are not allowed in this file", source: source)
            }
            guard let target = anchors[name] else {
                throw SourceError(file: file, mark: start, message: "unknown alias '*\(name)'", source: source)
            }
            try count(target.weight - 1, at: event)
            return target.node
        default:
            throw error("unexpected YAML event")
        }
    }

    /// Counts `n` more nodes against the limit.
    private func count(_ n: Int, at event: Event) throws(SourceError) {
        nodes += n
        guard nodes > limits.maxNodes else { return }
        throw SourceError(file: file, mark: event.start, message: "holds more than \(limits.maxNodes) nodes (aliases counted as what they repeat); refusing it", source: source)
    }

    private func checkDepth(_ depth: Int, _ mark: Mark) throws(SourceError) {
        guard depth > limits.maxDepth else { return }
        throw SourceError(file: file, mark: mark, message: "nested deeper than \(limits.maxDepth) levels", source: source)
    }

    /// Records an anchored node with the number of nodes made since `first` (its weight).
    private func remember(_ node: Node, _ anchor: String?, since first: Int) -> Node {
        if let anchor {
            anchors[anchor] = (node, nodes - first)
        }
        return node
    }

    private func error(_ message: String) -> SourceError {
        SourceError(file: file, mark: nil, message: message)
    }

    /// Calls yaml_parser_parse once and converts the event.
    private func next() throws(SourceError) -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else { throw parserError() }
        defer { yaml_event_delete(&event) }
        let start = Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        let end = Mark(line: Int(event.end_mark.line) + 1, column: Int(event.end_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = string(s.value, count: s.length)
            let plain = s.style == YAML_PLAIN_SCALAR_STYLE && s.tag == nil
            return .scalar(Scalar(text: text, isPlain: plain), anchor: cString(s.anchor), start: start, end: end)
        case YAML_SEQUENCE_START_EVENT:
            return .sequenceStart(anchor: cString(event.data.sequence_start.anchor), start: start)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd(end: end)
        case YAML_MAPPING_START_EVENT:
            return .mappingStart(anchor: cString(event.data.mapping_start.anchor), start: start)
        case YAML_MAPPING_END_EVENT: return .mappingEnd(end: end)
        case YAML_ALIAS_EVENT: return .alias(cString(event.data.alias.anchor) ?? "", start: start)
        default: throw error("unexpected YAML event")
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Reads libyaml's problem and problem_mark into a located error.
    private func parserError() -> SourceError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message = "\(problem) \(context)"
        }
        let mark = Mark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        return SourceError(file: file, mark: mark, message: message, source: source)
    }
}
