import Fingerprint
import Foundation
import ProjectModel
import YAML

/// A project on disk: its root, its files under `.proj/`, its lock files, and the loaded project.
public final class Workspace: Sendable {
    public let root: String
    public let project: Project
    public let fingerprinter: Fingerprinter
    public let cache: ObjectCache
    public let runCache: RunCache
    /// The stages' `tools:` commands, each run once per process.
    public let tools: ToolProbe

    /// Loads project.yaml and params.yaml from `root` and opens `.proj/`.
    public init(root: String) throws(RunnerError) {
        let root = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = root
        let projectPath = root + "/" + ProjectLoader.projectFile
        guard let text = try? String(contentsOfFile: projectPath, encoding: .utf8) else {
            throw .project(SourceError(file: ProjectLoader.projectFile, mark: nil, message: "not found in \(root); run proj in a project directory"))
        }
        let params = try? String(contentsOfFile: root + "/" + ProjectLoader.paramsFile, encoding: .utf8)
        do {
            project = try ProjectLoader.parse(project: text, params: params, exists: { FileSystem.stat(root + "/" + $0) != nil })
        } catch {
            throw .project(error)
        }
        fingerprinter = Fingerprinter(root: root, cache: StatCache(path: root + "/.proj/state"))
        cache = ObjectCache(directory: root + "/.proj/cache")
        runCache = RunCache(directory: root + "/.proj/runs")
        tools = ToolProbe(root: root)
    }

    /// Root-relative path of a stage's lock file.
    public static func lockPath(_ stage: String) -> String {
        "lockfiles/" + stage.replacingOccurrences(of: "/", with: "_") + ".lock"
    }

    /// The recorded lock of `stage`: nil when absent, or a reason when unreadable.
    public func lock(of stage: String) -> Result<Lock?, SourceError> {
        let rel = Workspace.lockPath(stage)
        guard let data = FileManager.default.contents(atPath: root + "/" + rel) else { return .success(nil) }
        guard let text = String(validating: data, as: UTF8.self) else {
            return .failure(SourceError(file: rel, mark: nil, message: "is not UTF-8 text (damaged?); `proj repro` records it again"))
        }
        do {
            var lock = try Lock.parse(text, file: rel)
            for (name, reading) in lock.tools where reading.text == nil {
                if let kept = keptToolOutput(reading.sha256) { lock.tools[name] = kept }
            }
            return .success(lock)
        } catch { return .failure(error) }
    }

    /// Where the outputs of tools too long for a lock are kept, by SHA-256.
    var toolOutputs: String { root + "/.proj/tools" }

    /// Keeps the outputs a lock records by digest alone, so that a later reason can name the lines that changed.
    func keep(_ tools: [String: ToolReading]) {
        for reading in tools.values {
            guard let text = reading.text, case .map = Lock.tool(reading) else { continue }
            let path = toolOutputs + "/" + reading.sha256
            if FileSystem.stat(path) != nil { continue }
            try? FileSystem.makeDirectories(toolOutputs)
            try? AtomicFile.write(text, to: path)
        }
    }

    /// A kept output, when it is there and still has its digest.
    func keptToolOutput(_ sha256: String) -> ToolReading? {
        guard let data = FileManager.default.contents(atPath: toolOutputs + "/" + sha256),
              let text = String(validating: data, as: UTF8.self) else { return nil }
        let reading = ToolReading(text: text)
        return reading.sha256 == sha256 ? reading : nil
    }

    /// Writes a stage's lock atomically.
    public func write(_ lock: Lock) throws(RunnerError) {
        keep(lock.tools)
        do { try AtomicFile.write(lock.yaml, to: root + "/" + Workspace.lockPath(lock.stage)) } catch { throw .file(error) }
    }

    /// Saves the stat cache.
    public func saveState() {
        try? fingerprinter.cache.save()
    }

    /// Stage positions for names given on the command line (all stages when empty).
    public func stageIndices(_ names: [String]) throws(RunnerError) -> [Int] {
        if names.isEmpty { return project.graph.order }
        var result: [Int] = []
        for name in names {
            if let i = project.graph.index[name] {
                result.append(i)
            } else {
                let group = project.stages.indices.filter { project.stages[$0].name.hasPrefix(name + "@") }
                guard !group.isEmpty else {
                    throw .unknownStage(name, suggestion: Suggestion.hint(for: name, in: project.stages.map(\.name)))
                }
                result += group
            }
        }
        return result
    }
}
