import Fingerprint
import Foundation
import ProjectModel
import YAML

/// `-S key=value`: sets one value in params.yaml in place, keeping the rest of the file (comments too).
public enum ParamsEditor {
    /// Applies `assignments` (`train.max_depth=8`) to the params file at `path`.
    public static func apply(_ assignments: [String], to path: String, file: String = ProjectLoader.paramsFile) throws(RunnerError) {
        guard !assignments.isEmpty else { return }
        guard var text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .params("\(file): not found; -S sets values in an existing params file")
        }
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
                throw .params("-S '\(assignment)': expected key=value, like train.max_depth=8")
            }
            let key = String(assignment[..<eq])
            let raw = String(assignment[assignment.index(after: eq)...])
            text = try set(key, to: raw, in: text, file: file)
        }
        do { try AtomicFile.write(text, to: path) } catch { throw .file(error) }
    }

    /// The text with the scalar at dotted `key` replaced by `raw` (written as YAML).
    static func set(_ key: String, to raw: String, in text: String, file: String) throws(RunnerError) -> String {
        let root: Node?
        do { root = try YAMLParser.parse(text, file: file) } catch { throw .project(error) }
        var node = root
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = node?[String(part)] else {
                let known = root?.value.flattened().map(\.key) ?? []
                throw .params("-S \(key): no such key in \(file)\(Suggestion.hint(for: key, in: known))")
            }
            node = next
        }
        guard let target = node, target.scalar != nil, target.start.line == target.end.line else {
            throw .params("-S \(key): \(file) holds \(node?.kindName ?? "nothing") there; -S sets single-line scalar values only")
        }
        let value = Value.resolve(Scalar(text: raw, isPlain: true))
        var lines = text.components(separatedBy: "\n")
        let line = Array(lines[target.start.line - 1])
        let replaced = String(line[..<(target.start.column - 1)]) + YAMLEmitter.inline(value) + String(line[(target.end.column - 1)...])
        lines[target.start.line - 1] = replaced
        return lines.joined(separator: "\n")
    }
}
