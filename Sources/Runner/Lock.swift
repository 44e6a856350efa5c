import Fingerprint
import Foundation
import ProjectModel
import YAML

/// What a successful run of a stage recorded: `lockfiles/<stage>.lock`.
public struct Lock: Sendable, Equatable {
    public var stage: String
    public var fingerprint: String
    public var cmd: [String]
    public var wdir: String
    public var env: [String: String]
    public var deps: [String: FileDigest]
    public var code: [String: FileDigest]
    public var outs: [String: FileDigest]
    /// Flattened params values (`train.max_depth` -> 6).
    public var params: [String: Value]
    /// Each tool's output or proj's identity (`proj ml` -> `1`), by name.
    public var tools: [String: ToolReading]
    /// The machine the stage ran on (information, not fingerprint; never carried into bundles).
    public var platform: [String: String]

    /// Creates a lock.
    public init(stage: String, fingerprint: String, cmd: [String], wdir: String = "", env: [String: String] = [:],
                deps: [String: FileDigest] = [:], code: [String: FileDigest] = [:], outs: [String: FileDigest] = [:],
                params: [String: Value] = [:], tools: [String: ToolReading] = [:], platform: [String: String] = [:]) {
        self.stage = stage
        self.fingerprint = fingerprint
        self.cmd = cmd
        self.wdir = wdir
        self.env = env
        self.deps = deps
        self.code = code
        self.outs = outs
        self.params = params
        self.tools = tools
        self.platform = platform
    }

    /// The lock as YAML: keys sorted, one line per file, stable byte for byte.
    public var yaml: String {
        var entries: [Value.Entry] = [
            .init("stage", .string(stage)),
            .init("fingerprint", .string(fingerprint)),
            .init("cmd", cmd.count == 1 ? .string(cmd[0]) : .list(cmd.map(Value.string))),
            .init("deps", Lock.files(deps)),
            .init("code", Lock.files(code)),
            .init("outs", Lock.files(outs)),
            .init("params", .map(params.map { Value.Entry($0.key, $0.value) })),
        ]
        if !wdir.isEmpty { entries.append(.init("wdir", .string(wdir))) }
        if !env.isEmpty { entries.append(.init("env", .map(env.map { Value.Entry($0.key, .string($0.value)) }))) }
        if !tools.isEmpty { entries.append(.init("tools", .map(tools.map { Value.Entry($0.key, Lock.tool($0.value)) }))) }
        if !platform.isEmpty { entries.append(.init("platform", .map(platform.map { Value.Entry($0.key, .string($0.value)) }))) }
        return YAMLEmitter.emit(.map(entries), sortKeys: true, flowDepth: 2)
    }

    static func files(_ files: [String: FileDigest]) -> Value {
        .map(files.map { path, d in
            var e: [Value.Entry] = [.init("sha256", .string(d.sha256)), .init("size", .int(Int(d.size)))]
            if let n = d.files { e.append(.init("files", .int(n))) }
            return Value.Entry(path, .map(e))
        })
    }

    /// A tool's output as recorded: the text when it is one short line, else its digest and line count
    /// (the text itself is kept in `.proj/tools/`, where a later reason can compare lines).
    static func tool(_ reading: ToolReading) -> Value {
        if let text = reading.text, text.utf8.count <= shortTool, !text.contains(where: \.isNewline) { return .string(text) }
        var entries: [Value.Entry] = [.init("sha256", .string(reading.sha256))]
        if let text = reading.text { entries.append(.init("lines", .int(text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count))) }
        return .map(entries)
    }

    /// The longest tool output a lock holds as text.
    static let shortTool = 200

    static func tool(_ value: Value, _ name: String, _ file: String) throws(SourceError) -> ToolReading {
        switch value {
        case .string(let text): return ToolReading(text: text)
        case .int, .double, .bool: return ToolReading(text: value.inlineText)
        default: break
        }
        guard let sha = value["sha256"]?.string, Hex.isSHA256(sha) else {
            throw SourceError(file: file, mark: nil, message: "tool '\(Paths.printable(name))' needs its output or a sha256 (64 lowercase hex digits)")
        }
        return ToolReading(sha256: sha)
    }

    /// Parses a lock file's text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(SourceError) -> Lock {
        guard let root = try YAMLParser.parse(text, file: file), root.mapping != nil else {
            throw SourceError(file: file, mark: nil, message: "is not a lock file (expected a mapping)")
        }
        let v = root.value
        guard let stage = v["stage"]?.string, let fingerprint = v["fingerprint"]?.string else {
            throw SourceError(file: file, mark: nil, message: "is not a lock file (missing 'stage' or 'fingerprint')")
        }
        let cmd: [String]
        switch v["cmd"] {
        case .string(let s): cmd = [s]
        case .list(let items): cmd = items.compactMap(\.string)
        default: cmd = []
        }
        var env: [String: String] = [:]
        for e in v["env"]?.entries ?? [] { env[e.key] = e.value.string ?? e.value.inlineText }
        var params: [String: Value] = [:]
        for e in v["params"]?.entries ?? [] { params[e.key] = e.value }
        var tools: [String: ToolReading] = [:]
        for e in v["tools"]?.entries ?? [] { tools[e.key] = try tool(e.value, e.key, file) }
        var platform: [String: String] = [:]
        for e in v["platform"]?.entries ?? [] { platform[e.key] = e.value.string ?? e.value.inlineText }
        return Lock(stage: stage, fingerprint: fingerprint, cmd: cmd, wdir: v["wdir"]?.string ?? "", env: env,
                    deps: try files(v["deps"], file), code: try files(v["code"], file), outs: try files(v["outs"], file),
                    params: params, tools: tools, platform: platform)
    }

    static func files(_ value: Value?, _ file: String) throws(SourceError) -> [String: FileDigest] {
        var result: [String: FileDigest] = [:]
        for e in value?.entries ?? [] {
            if let problem = Paths.problem(e.key) {
                throw SourceError(file: file, mark: nil, message: "entry '\(Paths.printable(e.key))' is not a safe path: \(problem)")
            }
            guard let sha = e.value["sha256"]?.string, Hex.isSHA256(sha),
                  case .int(let size)? = e.value["size"], size >= 0 else {
                throw SourceError(file: file, mark: nil, message: "entry '\(e.key)' needs sha256 (64 lowercase hex digits) and size")
            }
            var files: Int?
            if case .int(let n)? = e.value["files"] { files = n }
            result[e.key] = FileDigest(sha256: sha, size: Int64(size), files: files)
        }
        return result
    }
}

extension Value {
    var entries: [Entry]? {
        if case .map(let e) = self { return e }
        return nil
    }
}
