import Crypto
import Fingerprint
import Foundation
import ProjectModel
import YAML

/// What a stage's inputs and outputs look like on disk right now.
public struct Observation: Sendable {
    public var deps: [String: FileDigest?]
    public var code: [String: FileDigest?]
    public var outs: [String: FileDigest?]
    public var params: [(key: String, value: Value)]
    /// The tools whose output or identity decides the outputs: proj's own (`proj ml`) when the command runs
    /// proj, then the stage's `tools:` commands; keyed by name (`proj ml`, `python3 --version`).
    public var tools: [String: ToolReading] = [:]
    /// SHA-256 over cmd, wdir, env, deps, code, params, tools and the declared outs.
    public var fingerprint: String

    /// Hashes what `stage` reads and writes, through the stat cache, and reads its tools through `probe`.
    public static func observe(_ stage: Stage, in project: Project, with fingerprinter: Fingerprinter,
                               tools probe: ToolProbe) throws(RunnerError) -> Observation {
        var deps: [String: FileDigest?] = [:], code: [String: FileDigest?] = [:], outs: [String: FileDigest?] = [:]
        do {
            for ref in stage.deps { deps[ref.path] = try fingerprinter.digest(ref.path) }
            for ref in stage.code { code[ref.path] = try fingerprinter.digest(ref.path) }
            for out in stage.outs { outs[out.path] = try fingerprinter.digest(out.path) }
        } catch { throw .file(error) }
        let params = project.paramValues(for: stage)
        var tools: [String: ToolReading] = [:]
        for (name, value) in ProjIdentity.of(stage.cmd) { tools[name] = ToolReading(text: value) }
        for command in stage.tools {
            switch probe.reading(command) {
            case .success(let reading): tools[command] = reading
            case .failure(let failure): throw .tool(stage: stage.name, failure)
            }
        }
        return Observation(deps: deps, code: code, outs: outs, params: params, tools: tools,
                           fingerprint: fingerprint(of: stage, deps: deps, code: code, params: params, tools: tools))
    }

    /// The stage fingerprint: SHA-256 of a canonical description of everything that decides its outputs.
    public static func fingerprint(of stage: Stage, deps: [String: FileDigest?], code: [String: FileDigest?], params: [(key: String, value: Value)],
                                   tools: [String: ToolReading] = [:]) -> String {
        var text = "proj-stage 1\n"
        for c in stage.cmd { text += "cmd\t\(c)\n" }
        text += "wdir\t\(stage.wdir)\n"
        for e in stage.env { text += "env\t\(e.name)=\(e.value)\n" }
        for (path, d) in deps.sorted(by: { $0.key < $1.key }) { text += "dep\t\(path)\t\(d?.sha256 ?? "-")\n" }
        for (path, d) in code.sorted(by: { $0.key < $1.key }) { text += "code\t\(path)\t\(d?.sha256 ?? "-")\n" }
        for p in params { text += "param\t\(p.key)\t\(p.value.inlineText)\n" }
        for out in stage.outs.sorted(by: { $0.path < $1.path }) { text += "out\t\(out.path)\t\(out.kind.rawValue)\t\(out.cache)\n" }
        for (name, reading) in tools.sorted(by: { $0.key < $1.key }) { text += "tool\t\(name)\t\(reading.sha256)\n" }
        return Hex.sha256(Data(text.utf8))
    }

    /// The lock recorded when the stage succeeds with these inputs and these outs.
    public func lock(for stage: Stage, outs: [String: FileDigest]) -> Lock {
        Lock(stage: stage.name, fingerprint: fingerprint, cmd: stage.cmd, wdir: stage.wdir,
             env: Dictionary(stage.env.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
             deps: deps.compactMapValues { $0 }, code: code.compactMapValues { $0 }, outs: outs,
             params: Dictionary(params.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }), tools: tools,
             platform: Platform.current(for: stage.cmd))
    }
}
