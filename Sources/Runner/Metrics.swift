import Foundation
import ProjectModel
import Subprocess
import YAML
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Metrics files (JSON or YAML) declared by stages, flattened to `key -> value`.
public enum Metrics {
    /// One metrics file's values.
    public struct File: Sendable {
        public var path: String
        public var values: [(key: String, value: Value)]
        /// Why the file could not be read, if it could not.
        public var problem: String?
    }

    /// Every declared metrics file as it is in the workspace.
    public static func show(_ workspace: Workspace) -> [File] {
        paths(workspace).map { path in
            guard let text = try? String(contentsOfFile: workspace.root + "/" + path, encoding: .utf8) else {
                return File(path: path, values: [], problem: "missing")
            }
            return parse(text, path: path)
        }
    }

    /// Paths of all metrics outs, in stage order.
    public static func paths(_ workspace: Workspace) -> [String] {
        workspace.project.stages.flatMap { $0.outs.filter { $0.kind == .metric }.map(\.path) }
    }

    /// Parses JSON or YAML metrics text.
    public static func parse(_ text: String, path: String) -> File {
        do {
            guard let node = try YAMLParser.parse(text, file: path) else { return File(path: path, values: []) }
            return File(path: path, values: node.value.flattened())
        } catch {
            return File(path: path, values: [], problem: error.headline)
        }
    }

    /// One metric compared between a git revision and the workspace.
    public struct Change: Sendable {
        public var path: String
        public var key: String
        public var old: Value?
        public var new: Value?

        /// `new - old` when both are numbers.
        public var delta: Double? {
            guard let o = old.flatMap(Metrics.number), let n = new.flatMap(Metrics.number) else { return nil }
            return n - o
        }
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Compares each metrics file at git `revision` with the workspace (changed keys only unless `all`).
    public static func diff(_ workspace: Workspace, revision: String, all: Bool = false) async throws(RunnerError) -> [Change] {
        var changes: [Change] = []
        for file in show(workspace) {
            let oldText = try await gitShow(revision: revision, path: file.path, root: workspace.root)
            let old = oldText.map { parse($0, path: file.path).values } ?? []
            let oldMap = Dictionary(old.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            let newMap = Dictionary(file.values.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            for key in Set(oldMap.keys).union(newMap.keys).sorted() where all || oldMap[key] != newMap[key] {
                changes.append(Change(path: file.path, key: key, old: oldMap[key], new: newMap[key]))
            }
        }
        return changes
    }

    /// `git show REV:./path` from the project root; nil when the file is not in that revision.
    static func gitShow(revision: String, path: String, root: String) async throws(RunnerError) -> String? {
        do {
            let check = try await Subprocess.run(.name("git"), arguments: ["rev-parse", "--verify", "--quiet", revision + "^{commit}"],
                                                  workingDirectory: FilePath(root), output: .discarded, error: .discarded)
            guard check.terminationStatus.isSuccess else { throw RunnerError.git("'\(revision)' is not a git revision of this repository") }
            let result = try await Subprocess.run(.name("git"), arguments: ["show", "\(revision):./\(path)"],
                                                   workingDirectory: FilePath(root), output: .string(limit: 16 << 20), error: .discarded)
            return result.terminationStatus.isSuccess ? result.standardOutput : nil
        } catch let error as RunnerError {
            throw error
        } catch {
            throw .git("git failed: \(error)")
        }
    }
}
