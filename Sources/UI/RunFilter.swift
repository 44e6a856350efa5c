import Foundation
import Tracking

/// MLflow's search filter strings, the part its client's users write: clauses joined by AND, each
/// `metrics.KEY OP NUMBER`, `params.KEY OP 'TEXT'`, `tags.KEY OP 'TEXT'` or `attributes.NAME OP VALUE`
/// (status, run_name, run_id, start_time, end_time), with `=`, `!=`, `<`, `<=`, `>`, `>=` and, for text,
/// `LIKE` / `ILIKE` (`%` any run, `_` one character). Keys with other characters go in backticks or double quotes.
struct RunFilter {
    enum Entity { case metric, param, tag, attribute }
    enum Literal: Equatable { case number(Double), text(String) }

    struct Clause {
        var entity: Entity
        var key: String
        var op: String
        var value: Literal
    }

    let clauses: [Clause]

    /// The filter without clauses: it keeps every run.
    static let all = RunFilter(clauses: [])

    private init(clauses: [Clause]) { self.clauses = clauses }

    struct Failure: Error { var message: String }

    init(_ text: String) throws(Failure) {
        var scanner = Scanner(Array(text.unicodeScalars))
        var clauses: [Clause] = []
        scanner.skipSpaces()
        while !scanner.atEnd {
            if !clauses.isEmpty {
                guard scanner.word()?.uppercased() == "AND" else { throw Failure(message: "expected AND between clauses at character \(scanner.i + 1) of '\(text)'") }
            }
            clauses.append(try scanner.clause(text))
            scanner.skipSpaces()
        }
        self.clauses = clauses
    }

    /// The filter a request gives: nil for none or blank text; why not, worded for the user, when it cannot be read.
    static func given(_ text: String?) throws(Failure) -> RunFilter? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard text.utf8.count <= 4096 else { throw Failure(message: "the filter is longer than 4096 bytes") }
        do { return try RunFilter(text) } catch { throw Failure(message: "bad filter: \(error.message)") }
    }

    /// Every run (of one experiment, or of some) the filter keeps, newest first, carrying only the keys the
    /// clauses read and the `also` ones (a sort's): the runs of a large history are never read in full here.
    func matching(_ store: TrackingStore, experiment: String? = nil, experimentIDs: [Int64]? = nil,
                  also: (params: Set<String>, metrics: Set<String>) = ([], [])) throws(TrackingError) -> [RunSummary] {
        let keys = self.keys
        return try store.runIndex(experiment: experiment, experimentIDs: experimentIDs, params: keys.params.union(also.params),
                                  metrics: keys.metrics.union(also.metrics), tags: keys.tags).filter(matches)
    }

    /// The params, metrics and tags the clauses read (what a run must carry for `matches` to judge it).
    var keys: (params: Set<String>, metrics: Set<String>, tags: Set<String>) {
        var keys = (params: Set<String>(), metrics: Set<String>(), tags: Set<String>())
        for clause in clauses {
            switch clause.entity {
            case .param: keys.params.insert(clause.key)
            case .metric: keys.metrics.insert(clause.key)
            case .tag: keys.tags.insert(clause.key)
            case .attribute: break
            }
        }
        return keys
    }

    func matches(_ run: RunSummary) -> Bool {
        clauses.allSatisfy { clause in
            switch clause.entity {
            case .metric:
                guard let value = run.metrics[clause.key]?.value, case .number(let bound) = clause.value else { return false }
                return RunFilter.compare(value, clause.op, bound)
            case .param: return run.params[clause.key].map { RunFilter.compare($0, clause.op, clause.value) } ?? false
            case .tag: return run.tags[clause.key].map { RunFilter.compare($0, clause.op, clause.value) } ?? false
            case .attribute:
                switch clause.key {
                case "status": return RunFilter.compare(MLflowShapes.status(run.status), clause.op, clause.value)
                case "run_name": return RunFilter.compare(run.name, clause.op, clause.value)
                case "run_id": return RunFilter.compare(run.id, clause.op, clause.value)
                case "start_time":
                    guard case .number(let bound) = clause.value else { return false }
                    return RunFilter.compare(Double(run.startedMs), clause.op, bound)
                default:
                    guard case .number(let bound) = clause.value, let ended = run.endedMs else { return false }
                    return RunFilter.compare(Double(ended), clause.op, bound)
                }
            }
        }
    }

    static func compare(_ a: Double, _ op: String, _ b: Double) -> Bool {
        switch op {
        case "=": a == b
        case "!=": a != b
        case "<": a < b
        case "<=": a <= b
        case ">": a > b
        case ">=": a >= b
        default: false
        }
    }

    static func compare(_ a: String, _ op: String, _ literal: Literal) -> Bool {
        let b: String
        switch literal {
        case .text(let t): b = t
        case .number(let n): b = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        }
        switch op {
        case "=": return a == b
        case "!=": return a != b
        case "LIKE": return like(Array(a.unicodeScalars), Array(b.unicodeScalars))
        case "ILIKE": return like(Array(a.lowercased().unicodeScalars), Array(b.lowercased().unicodeScalars))
        default: return false
        }
    }

    /// SQL LIKE: `%` any run of characters, `_` exactly one; iterative, so hostile patterns stay linear-ish.
    static func like(_ s: [Unicode.Scalar], _ p: [Unicode.Scalar]) -> Bool {
        var i = 0, j = 0, star = -1, mark = 0
        while i < s.count {
            if j < p.count, p[j] == "_" || p[j] == s[i] { i += 1; j += 1 }
            else if j < p.count, p[j] == "%" { star = j; mark = i; j += 1 }
            else if star >= 0 { j = star + 1; mark += 1; i = mark }
            else { return false }
        }
        while j < p.count, p[j] == "%" { j += 1 }
        return j == p.count
    }

    struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { i >= s.count }

        mutating func skipSpaces() { while i < s.count, s[i].properties.isWhitespace { i += 1 } }

        mutating func word() -> String? {
            skipSpaces()
            let start = i
            while i < s.count, s[i].properties.isAlphabetic || s[i] == "_" || ("0"..."9").contains(s[i]) { i += 1 }
            return i > start ? String(String.UnicodeScalarView(s[start..<i])) : nil
        }

        mutating func quoted(_ text: String) throws(Failure) -> String? {
            guard i < s.count, s[i] == "'" || s[i] == "\"" || s[i] == "`" else { return nil }
            let quote = s[i]
            i += 1
            let start = i
            while i < s.count, s[i] != quote { i += 1 }
            guard i < s.count else { throw Failure(message: "a quote opened at character \(start) of '\(text)' is never closed") }
            defer { i += 1 }
            return String(String.UnicodeScalarView(s[start..<i]))
        }

        mutating func clause(_ text: String) throws(Failure) -> Clause {
            guard let prefix = word() else { throw Failure(message: "expected metrics., params., tags. or attributes. at character \(i + 1) of '\(text)'") }
            let entity: Entity
            switch prefix.lowercased() {
            case "metrics", "metric": entity = .metric
            case "params", "param", "parameter", "parameters": entity = .param
            case "tags", "tag": entity = .tag
            case "attributes", "attribute", "attr", "run": entity = .attribute
            default: throw Failure(message: "'\(prefix)' is not metrics, params, tags or attributes (in '\(text)')")
            }
            guard i < s.count, s[i] == "." else { throw Failure(message: "expected '.' after '\(prefix)' in '\(text)'") }
            i += 1
            var key = try quoted(text)
            if key == nil {
                let start = i
                while i < s.count, !s[i].properties.isWhitespace, !"=!<>".unicodeScalars.contains(s[i]) { i += 1 }
                key = String(String.UnicodeScalarView(s[start..<i]))
            }
            guard let key, !key.isEmpty else { throw Failure(message: "a key is missing after '\(prefix).' in '\(text)'") }
            if entity == .attribute, !["status", "run_name", "run_id", "start_time", "end_time"].contains(key) {
                throw Failure(message: "attribute '\(key)' cannot be searched (status, run_name, run_id, start_time, end_time can)")
            }
            skipSpaces()
            var op = ""
            while i < s.count, "=!<>".unicodeScalars.contains(s[i]) { op.unicodeScalars.append(s[i]); i += 1 }
            if op.isEmpty, let named = word()?.uppercased(), named == "LIKE" || named == "ILIKE" { op = named }
            guard ["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE"].contains(op) else {
                throw Failure(message: "expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE) after '\(key)' in '\(text)'")
            }
            skipSpaces()
            let value: Literal
            if let text = try quoted(text) {
                value = .text(text)
            } else {
                let start = i
                while i < s.count, !s[i].properties.isWhitespace { i += 1 }
                let word = String(String.UnicodeScalarView(s[start..<i]))
                guard let number = Double(word) else { throw Failure(message: "'\(word)' is neither a number nor a quoted string (in '\(text)')") }
                value = .number(number)
            }
            let numeric = entity == .metric || (entity == .attribute && key.hasSuffix("_time"))
            if numeric {
                guard case .number = value, !op.hasSuffix("LIKE") else { throw Failure(message: "'\(prefix).\(key)' compares with a number") }
            } else if !["=", "!=", "LIKE", "ILIKE"].contains(op) {
                throw Failure(message: "'\(prefix).\(key)' is text: compare it with =, !=, LIKE or ILIKE")
            }
            return Clause(entity: entity, key: key, op: op, value: value)
        }
    }
}
