import ArgumentParser
import Bundle
import Foundation
import Runner
import Tracking
import YAML

/// Where the run history is, for every command that reads or writes it.
struct TrackingOptions: ParsableArguments {
    @Option(help: "The run history: sqlite:PATH or postgres://USER[:PASSWORD]@HOST:PORT/DB (default PROJ_TRACKING_URI, else .proj/tracking.db).")
    var tracking: String?

    /// The history of the project at `root`, with this machine's runs whose process is gone marked interrupted.
    func open(root: String) throws(TrackingError) -> TrackingStore {
        let store = try TrackingLocation.open(tracking, root: root)
        try store.reconcile(host: Liveness.host, isAlive: Liveness.isAlive)
        return store
    }

    /// `open`, its error a command failure.
    func store(root: String) throws -> TrackingStore {
        do { return try open(root: root) } catch { throw fail(error) }
    }
}

extension BuiltBundle {
    /// The bundle a run built in the project at `root`: the newest entry of `bundles/index.yaml` that was
    /// not there `before` it.
    static func new(in root: String, since before: Set<BundleIndex.Entry>) -> BuiltBundle? {
        BundleIndex.entries(root: root).subtracting(before).sorted { ($0.name, $0.version) < ($1.name, $1.version) }.last
            .map { BuiltBundle(name: $0.name, version: $0.version, digest: $0.manifest) }
    }

    /// The file name of this bundle's archive in `root`'s `bundles/`, when it is there.
    func archive(in root: String) -> String? {
        ["\(name)-\(version).tar", "\(name)-\(version).tar.zst"].first { FileManager.default.fileExists(atPath: root + "/bundles/" + $0) }
    }

    /// The bundle's manifest as `proj inspect --json` shows it (provenance included), kept with the run
    /// as its `bundle` document for the run's page.
    func documents(in root: String) -> [(name: String, content: String)] {
        guard let file = archive(in: root), let info = try? BundleInfo.read(root + "/bundles/" + file) else { return [] }
        return [("bundle", JSONEmitter.compact(info.value))]
    }
}

extension ProjCommand {
    /// `proj exp`: the run history.
    struct Exp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Experiments: every run of the pipeline, recorded; compare them.",
            discussion: "Every `proj repro` and `proj exp run` that runs or restores a stage records a run: params, metrics, plots as series, stages, the bundle built and the outcome.",
            subcommands: [Run.self, Show.self, Diff.self, Apply.self, Remove.self])
    }
}

extension ProjCommand.Exp {
    /// `proj exp show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runs, newest first, with their params and metrics.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var tracking: TrackingOptions
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Sort by this metric or param (path:key for a metric, the dotted key for a param).") var sortBy: String?
        @Option(help: "asc or desc.") var sortOrder: SortOrder = .asc
        @Flag(help: "Show only the params and metrics that differ between the runs shown.") var onlyChanged = false
        @Option(name: .short, help: "Show at most N runs.") var n: Int = 20

        enum SortOrder: String, ExpressibleByArgument, CaseIterable { case asc, desc }

        func validate() throws {
            guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        }

        func run() throws {
            let store = try tracking.store(root: try project.workspace().root)
            var runs: [RunSummary]
            do { runs = try store.runs(limit: sortBy == nil ? n : .max) } catch { throw fail(error) }
            if let key = sortBy {
                guard runs.contains(where: { $0.metrics[key] != nil || $0.params[key] != nil }) || runs.isEmpty else {
                    throw CommandFailure(message: "no run has a metric or param '\(key)' (see `proj exp show --json` for the keys)", code: 2)
                }
                runs = RunTable.sorted(runs, by: key, descending: sortOrder == .desc)
                runs = Array(runs.prefix(n))
            }
            let columns = RunTable.columns(runs, onlyChanged: onlyChanged)
            if json {
                printJSON(.list(runs.map { RunTable.value($0, columns: columns) }))
                return
            }
            guard !runs.isEmpty else {
                Output.line("No runs recorded yet: `proj repro` records one whenever it runs or restores a stage.")
                return
            }
            Table.print(RunTable.rows(runs, columns: columns))
        }
    }

    /// `proj exp diff`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare two runs: the params and metrics that differ.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "A run: its id, the start of it, or its name.") var a: String
        @Argument(help: "The other run.") var b: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let store = try tracking.store(root: try project.workspace().root)
            let (first, second): (RunSummary, RunSummary)
            do throws(TrackingError) {
                guard let x = try store.run(try store.resolve(a)), let y = try store.run(try store.resolve(b)) else {
                    throw TrackingError.invalid("the run was removed while being read")
                }
                (first, second) = (x.summary, y.summary)
            } catch { throw fail(error) }
            let changes = RunTable.differences(first, second)
            if json {
                printJSON(.map([
                    .init("a", .string(first.id)), .init("b", .string(second.id)),
                    .init("params", .map(changes.params.map { .init($0.key, .map([.init("a", $0.a.map(Value.string) ?? .null), .init("b", $0.b.map(Value.string) ?? .null)])) })),
                    .init("metrics", .map(changes.metrics.map { c in
                        .init(c.key, .map([.init("a", RunTable.json(c.a)), .init("b", RunTable.json(c.b))]
                                          + (c.change.map { [.init("change", .double($0))] } ?? [])))
                    })),
                ]))
                return
            }
            guard !changes.params.isEmpty || !changes.metrics.isEmpty else {
                Output.line("Runs \(first.id.prefix(8)) and \(second.id.prefix(8)) have the same params and metrics.")
                return
            }
            var rows = [["", "Key", String(first.id.prefix(8)), String(second.id.prefix(8)), "Change"]]
            rows += changes.params.map { ["param", $0.key, $0.a ?? "-", $0.b ?? "-", ""] }
            rows += changes.metrics.map { ["metric", $0.key, RunTable.text($0.a), RunTable.text($0.b), $0.change.map { String(format: "%+.6g", $0) } ?? ""] }
            Table.print(rows)
        }
    }

    /// `proj exp remove`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove runs from the history (bundles and cache objects stay).")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Runs: ids, starts of ids, or names.") var runs: [String]

        func validate() throws {
            guard !runs.isEmpty else { throw ValidationError("name at least one run to remove") }
        }

        func run() throws {
            let store = try tracking.store(root: try project.workspace().root)
            do {
                let ids = try runs.map(store.resolve)
                try store.deleteRuns(ids)
                Output.line("Removed \(Set(ids).count) run\(Set(ids).count == 1 ? "" : "s").")
            } catch { throw fail(error) }
        }
    }
}
