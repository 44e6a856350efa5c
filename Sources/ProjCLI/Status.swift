import ArgumentParser
import Foundation
import Remote
import Runner
import YAML

extension ProjCommand {
    /// `proj status`: what is stale and why; exit 1 when anything is.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which stages are stale and why (exit 0 when all fresh, 1 when any is stale); with --remote, which locked outs a remote and this cache lack.")

        @OptionGroup var project: ProjectOptions
        @Argument(help: "Stages to check (default: all).") var stages: [String] = []
        @Flag(help: "Print JSON.") var json = false
        @Flag(name: .customLong("remote"), help: "Compare the locked outs with a remote (the default, or -r NAME, or a remote's name after --remote).")
        var compareRemote = false
        @Option(name: .customShort("r"), help: "The remote to compare with (implies --remote).") var remoteName: String?
        @Option(name: .short, help: "Requests at once (with --remote).") var jobs: Int = 8

        func run() async throws {
            let workspace = try project.workspace()
            if compareRemote || remoteName != nil {
                try await remoteStatus(workspace)
                return
            }
            let results: [StageResult]
            do { results = try Runner.Status.evaluate(workspace, targets: stages) } catch { throw fail(error) }
            if let warning = Platform.warning(workspace, results: results) {
                Output.line("warning: " + warning, to: .err)
            }
            let stale = results.filter { !$0.reasons.isEmpty }
            if json {
                let read = workspace.fingerprinter.bytesRead
                printJSON(.map([
                    .init("stale", .map(stale.map { .init($0.name, .list($0.reasons.map { .string($0.description) })) })),
                    .init("fresh", .list(results.filter { $0.reasons.isEmpty }.map { .string($0.name) })),
                    .init("read", .map([.init("files", .int(read.files)), .init("bytes", .int(Int(read.bytes)))])),
                ]))
            } else if stale.isEmpty {
                Output.line("Everything is fresh (\(results.count) stage\(results.count == 1 ? "" : "s")).")
            } else {
                for r in stale { Output.line("\(r.name): \(r.reasons.map(\.description).joined(separator: "; "))") }
                Output.line("\(stale.count) of \(results.count) stages stale.")
            }
            if !stale.isEmpty { throw ExitCode(1) }
        }

        /// `proj status --remote [REMOTE]`: a positional naming a remote (and no stage) is the remote.
        func remoteStatus(_ workspace: Workspace) async throws {
            var stages = stages, name = remoteName
            let config = (try? RemoteConfig.read(root: workspace.root)) ?? RemoteConfig()
            if name == nil, let first = stages.first, workspace.project.graph.index[first] == nil, config.remote(first) != nil {
                name = first
                stages.removeFirst()
            }
            let sync = DataSync(workspace: workspace, store: try RemoteSupport.store(named: name, root: workspace.root), jobs: max(1, jobs))
            let targets = stages
            let places = try await RemoteSupport.interruptible { () async throws -> [OutPlace] in
                try await sync.status(targets)
            }
            let remote = sync.store.remote
            let notPushed = places.filter { $0.cached && !$0.onRemote }, notHere = places.filter { !$0.cached && $0.onRemote }
            let lost = places.filter { !$0.cached && !$0.onRemote }
            if json {
                func list(_ p: [OutPlace]) -> Value { .list(p.map { .map([.init("stage", .string($0.stage)), .init("path", .string($0.path))]) }) }
                printJSON(.map([.init("remote", .string(remote)), .init("not_on_remote", list(notPushed)), .init("not_in_cache", list(notHere)),
                                .init("in_neither", list(lost)), .init("outs", .int(places.count))]))
                return
            }
            for (title, group) in [("not on remote '\(remote)' (`proj push` sends them)", notPushed),
                                   ("not in this cache (`proj pull` fetches them)", notHere),
                                   ("in neither this cache nor remote '\(remote)' (`proj repro` makes them)", lost)] where !group.isEmpty {
                Output.line(title + ":")
                for p in group { Output.line("  \(p.stage): \(p.path)") }
            }
            if notPushed.isEmpty && notHere.isEmpty && lost.isEmpty {
                Output.line("Remote '\(remote)' and this cache both hold all \(places.count) locked out\(places.count == 1 ? "" : "s").")
            }
        }
    }

    /// `proj dag`: the stage graph.
    struct Dag: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the stage graph (text, Mermaid or Graphviz dot).")

        @OptionGroup var project: ProjectOptions
        @Flag(help: "Mermaid flowchart.") var mermaid = false
        @Flag(help: "Graphviz dot.") var dot = false

        func run() throws {
            let workspace = try project.workspace()
            let format: DagRenderer.Format = mermaid ? .mermaid : dot ? .dot : .text
            Output.write(DagRenderer.render(workspace.project, format: format))
        }
    }

    /// `proj checkout`: restores outs from the cache to match the locks.
    struct Checkout: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore every out to the version its lock file records.")

        @OptionGroup var project: ProjectOptions
        @Argument(help: "Stages whose outs to restore (default: all).") var stages: [String] = []
        @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10

        func run() throws {
            let workspace = try project.workspace()
            let lock = try takeLock(workspace.root, wait: wait)
            try Checkout.restore(workspace, stages: stages)
            withExtendedLifetime(lock) {}
        }

        /// Makes the selected stages' outs match their locks from the cache and says what it did (also `proj pull`'s
        /// second half).
        static func restore(_ workspace: Workspace, stages: [String]) throws {
            let restored: [String], uncached: [(path: String, stage: String)]
            do { (restored, uncached) = try Runner.Checkout.run(workspace, targets: stages) } catch { throw fail(error) }
            for path in restored { Output.line("restored \(path)") }
            for (path, stage) in uncached {
                Output.line("\(path) differs from its lock but is not cached (cache: false): run `proj repro -s \(stage)` to make it again")
            }
            if restored.isEmpty, uncached.isEmpty { Output.line("All outs already match their locks.") }
        }
    }

    /// `proj gc`: drops cache objects nothing references.
    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Remove cache objects that no lock file or run-cache entry references.")

        @OptionGroup var project: ProjectOptions
        @Flag(help: "List what would be removed; remove nothing.") var dry = false
        @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10

        func run() throws {
            let workspace = try project.workspace()
            let lock = try takeLock(workspace.root, wait: wait)
            let (removed, bytes) = GarbageCollector.run(workspace, dry: dry)
            withExtendedLifetime(lock) {}
            Output.line("\(dry ? "Would remove" : "Removed") \(removed.count) object\(removed.count == 1 ? "" : "s") (\(bytes) bytes).")
        }
    }
}
