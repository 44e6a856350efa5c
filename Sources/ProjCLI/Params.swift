import ArgumentParser
import Foundation
import Runner
import YAML

extension ProjCommand {
    /// `proj params diff`.
    struct Params: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Work with params.yaml.", subcommands: [Diff.self])

        /// Params in the workspace against those recorded in the locks.
        struct Diff: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show params that differ from what the lock files recorded.")

            @OptionGroup var project: ProjectOptions
            @Flag(help: "Print JSON.") var json = false

            func run() throws {
                let workspace = try project.workspace()
                var rows: [(stage: String, key: String, old: String, new: String)] = []
                for stage in workspace.project.stages {
                    guard case .success(let lock?) = workspace.lock(of: stage.name) else { continue }
                    let now = Dictionary(workspace.project.paramValues(for: stage).map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
                    for key in Set(now.keys).union(lock.params.keys).sorted() where now[key] != lock.params[key] {
                        rows.append((stage.name, key, lock.params[key]?.inlineText ?? "-", now[key]?.inlineText ?? "-"))
                    }
                }
                if json {
                    printJSON(.list(rows.map { .map([.init("stage", .string($0.stage)), .init("key", .string($0.key)), .init("old", .string($0.old)), .init("new", .string($0.new))]) }))
                } else if rows.isEmpty {
                    Output.line("Params match the lock files.")
                } else {
                    Table.print([["Stage", "Param", "Locked", "Workspace"]] + rows.map { [$0.stage, $0.key, $0.old, $0.new] })
                }
            }
        }
    }
}

/// Left-aligned columns separated by two spaces.
enum Table {
    static func print(_ rows: [[String]]) {
        guard let width = rows.first?.count else { return }
        let widths = (0..<width).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            let line = row.enumerated().map { c, cell in c == width - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
            Output.line(line.joined(separator: "  "))
        }
    }
}
