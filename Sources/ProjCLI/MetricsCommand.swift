import ArgumentParser
import Foundation
import Runner
import YAML

extension ProjCommand {
    /// `proj metrics show|diff`.
    struct MetricsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Show and compare metrics files.", subcommands: [Show.self, Diff.self])

        /// The metrics as they are in the workspace.
        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print every declared metric.")

            @OptionGroup var project: ProjectOptions
            @Flag(help: "Print JSON.") var json = false

            func run() throws {
                let workspace = try project.workspace()
                let files = Runner.Metrics.show(workspace)
                if json {
                    var object: [String: Any] = [:]
                    for f in files {
                        object[f.path] = f.problem.map { ["error": $0] as Any } ?? Dictionary(f.values.map { ($0.key, jsonValue($0.value)) }, uniquingKeysWith: { $1 })
                    }
                    printJSON(object)
                    return
                }
                var rows = [["Path", "Metric", "Value"]]
                for f in files {
                    if let problem = f.problem { rows.append([f.path, "-", problem]) }
                    for (key, value) in f.values { rows.append([f.path, key, value.inlineText]) }
                }
                Table.print(rows)
            }
        }

        /// The metrics against a git revision.
        struct Diff: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Compare metrics with a git revision (default HEAD).")

            @OptionGroup var project: ProjectOptions
            @Argument(help: "The git revision to compare with.") var revision = "HEAD"
            @Flag(help: "Include unchanged metrics.") var all = false
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let workspace = try project.workspace()
                let changes: [Runner.Metrics.Change]
                do { changes = try await Runner.Metrics.diff(workspace, revision: revision, all: all) } catch { throw fail(error) }
                if json {
                    printJSON(changes.map { c -> [String: Any] in
                        var row: [String: Any] = ["path": c.path, "metric": c.key, "old": c.old.map(jsonValue) ?? NSNull(), "new": c.new.map(jsonValue) ?? NSNull()]
                        if let d = c.delta { row["change"] = d }
                        return row
                    })
                    return
                }
                if changes.isEmpty {
                    Output.line("No metric changed since \(revision).")
                    return
                }
                Table.print([["Path", "Metric", revision, "workspace", "Change"]] + changes.map {
                    [$0.path, $0.key, $0.old?.inlineText ?? "-", $0.new?.inlineText ?? "-", $0.delta.map { String(format: "%+.6g", $0) } ?? "-"]
                })
            }
        }
    }
}

/// A YAML value as a JSONSerialization object.
func jsonValue(_ v: Value) -> Any {
    switch v {
    case .null: return NSNull()
    case .bool(let b): return b
    case .int(let i): return i
    case .double(let d): return d.isFinite ? d as Any : v.inlineText
    case .string(let s): return s
    case .list(let items): return items.map(jsonValue)
    case .map(let entries): return Dictionary(entries.map { ($0.key, jsonValue($0.value)) }, uniquingKeysWith: { $1 })
    }
}
