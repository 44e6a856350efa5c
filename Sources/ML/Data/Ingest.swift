import Foundation

/// Where a pipeline's ingest reads its rows, as params name it: a local CSV file (pinned by SHA-256 or
/// not), an http(s) or file URL pinned by SHA-256 with further mirrors, or a database table.
public enum Source: Sendable, Equatable {
    case file(path: String)
    case pinned(sha256: String, mirrors: [String])
    case table(Database, name: String)

    /// Reads the `--source` text: `sqlite:PATH` and `postgres://...` are databases (and need `table`);
    /// `http(s)://` must be pinned by `sha256`; anything else is a file path or file:// URL, pinned when
    /// `sha256` is given. `mirrors` follow the source, in order.
    public static func parse(_ source: String, sha256: String?, mirrors: [String] = [], table: String?) throws(MLError) -> Source {
        let sha = sha256.flatMap { $0.isEmpty ? nil : $0 }
        if source.hasPrefix("sqlite:") || source.hasPrefix("postgres://") || source.hasPrefix("postgresql://") {
            guard let table, !table.isEmpty else { throw MLError("the source \(try Database.parse(source).description) is a database: name its table with --table") }
            guard sha == nil, mirrors.isEmpty else { throw MLError("a database source is read as it is: --sha256 and --mirror apply to files and URLs only") }
            return .table(try Database.parse(source), name: table)
        }
        guard table == nil || table!.isEmpty else { throw MLError("--table applies to a database source (sqlite:PATH or postgres://), not \(source)") }
        if let sha { return .pinned(sha256: sha, mirrors: [source] + mirrors) }
        guard !source.hasPrefix("http://"), !source.hasPrefix("https://") else {
            throw MLError("\(source) is fetched over the network, so it must be pinned: pass --sha256 with the file's digest")
        }
        guard mirrors.isEmpty else { throw MLError("--mirror needs --sha256: mirrors are only trusted for pinned bytes") }
        return .file(path: source.hasPrefix("file://") ? String(source.dropFirst("file://".count)) : source)
    }
}

/// `proj ml ingest`: the source's rows into one raw CSV file, written atomically.
public enum Ingest {
    /// Puts the source's CSV at `raw`; returns a line saying where it came from.
    public static func run(_ source: Source, raw: String, cacheDirectory: String, log: (String) -> Void = { _ in }) throws -> String {
        switch source {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw MLError("cannot read the source \(path)") }
            try Steps.write(data, to: raw)
            return "\(raw): \(data.count) bytes from \(path) (not pinned: pass --sha256 to pin it)"
        case .pinned(let sha, let mirrors):
            switch try Fetch.run(sha256: sha, mirrors: mirrors, output: raw, cacheDirectory: cacheDirectory, log: log) {
            case .cached: return "\(raw): sha256 \(sha.prefix(12)) from the cache"
            case .downloaded(let mirror): return "\(raw): sha256 \(sha.prefix(12)) from \(mirror)"
            }
        case .table(let db, let name):
            let rows = try db.read(table: name, to: raw)
            return "\(raw): \(rows) rows of table \(name) from \(db.description)"
        }
    }
}
