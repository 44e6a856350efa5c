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
                    printJSON(.map(files.map { f in
                        .init(f.path, f.problem.map { .map([.init("error", .string($0))]) } ?? .map(f.values.map { .init($0.key, $0.value) }))
                    }))
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
                    printJSON(.list(changes.map { c in
                        .map([.init("path", .string(c.path)), .init("metric", .string(c.key)), .init("old", c.old ?? .null),
                              .init("new", c.new ?? .null)] + (c.delta.map { [.init("change", .double($0))] } ?? []))
                    }))
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
