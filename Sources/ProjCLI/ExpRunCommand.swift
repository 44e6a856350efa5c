import ArgumentParser
import Bundle
import Foundation
import Runner
import Tracking

extension ProjCommand.Exp {
    /// `proj exp run`: the pipeline as experiments, each in a private copy of the workspace.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the pipeline as an experiment in a private copy of the workspace, and record it.",
            discussion: """
                The workspace (params.yaml, outs, locks, bundles) is left as it is; the copy shares .proj/cache and the \
                run-cache, so stages already computed anywhere are restored, not re-run. A -S value with commas is a \
                sweep (write \\, for a comma inside a value): -S train.rounds=100,300 -S train.max_depth=4,6 runs the 4 \
                combinations, -j 2 two at a time. Bundles the experiments build are kept in .proj/exp-bundles/.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var tracking: TrackingOptions
        @Option(name: .customShort("S"), help: "Set a params.yaml value in the experiment (key=value; key=a,b,c sweeps; repeatable).")
        var set: [String] = []
        @Option(help: "A name for the run (a sweep's runs get -1, -2, ...).") var name: String?
        @Option(name: .short, help: "Run up to N experiments at once.") var jobs: Int = 1
        @OptionGroup var sandbox: SandboxOptions

        func validate() throws {
            guard jobs >= 1 else { throw ValidationError("-j must be at least 1") }
        }

        func run() async throws {
            let workspace = try project.workspace()
            let sweep: [[String]]
            do { sweep = try Sweep.combinations(set) } catch { throw CommandFailure(message: error.message, code: 2) }
            let store = try tracking.store(root: workspace.root)
            let console = Console(prefixStageOutput: true)
            // Copies left by experiments killed outright go before new ones are made.
            let swept = ExperimentCopy.sweep(workspace, host: Liveness.host, isAlive: Liveness.isAlive)
            if swept > 0 { console.warn("Removed \(swept) experiment cop\(swept == 1 ? "y" : "ies") left in .proj/exps by an experiment that was killed.") }
            let sandboxChoice = sandbox.choice(workspace, console: console)
            let names = sweep.indices.map { i in name.map { sweep.count > 1 ? "\($0)-\(i + 1)" : $0 } ?? "" }
            let task = Task { () -> [Experiment.Outcome] in
                await withTaskGroup(of: (Int, Experiment.Outcome).self) { group in
                    var next = 0, outcomes = [Experiment.Outcome?](repeating: nil, count: sweep.count)
                    func start() {
                        let i = next
                        next += 1
                        let experiment = Experiment(workspace: workspace, sets: sweep[i], name: names[i], store: store, console: console,
                                                    sandbox: sandboxChoice)
                        group.addTask { (i, await experiment.run()) }
                    }
                    while next < min(jobs, sweep.count) { start() }
                    while let (i, outcome) = await group.next() {
                        outcomes[i] = outcome
                        if next < sweep.count && !Task.isCancelled { start() }
                    }
                    return outcomes.compactMap { $0 }
                }
            }
            let signals = Interrupts.forward(to: task)
            let outcomes = await task.value
            withExtendedLifetime(signals) {}
            Table.print([["Run", "Name", "Status", "Params set", "Bundle"]] + outcomes.map { o in
                [o.run.map { String($0.prefix(8)) } ?? "-", o.name.isEmpty ? "-" : o.name, o.status, o.sets.joined(separator: " "), o.bundle ?? "-"]
            })
            if outcomes.count < sweep.count || outcomes.contains(where: { $0.status == "interrupted" }) { throw ExitCode(130) }
            if outcomes.contains(where: { $0.status != "succeeded" }) { throw ExitCode(1) }
        }
    }
}

/// `-S` values as a sweep: each `key=a,b` gives one value per comma-separated item (`\,` is a comma in a
/// value); the experiments are every combination, in order.
enum Sweep {
    struct Failure: Error { var message: String }

    static let most = 256

    static func combinations(_ assignments: [String]) throws(Failure) -> [[String]] {
        var combinations: [[String]] = [[]]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw Failure(message: "-S '\(assignment)': expected key=value")
            }
            let key = assignment[..<equals]
            let values = split(String(assignment[assignment.index(after: equals)...]))
            combinations = combinations.flatMap { prefix in values.map { prefix + ["\(key)=\($0)"] } }
            guard combinations.count <= most else {
                throw Failure(message: "the sweep has more than \(most) combinations; split it into several `proj exp run`s")
            }
        }
        return combinations
    }

    /// The items of a value, split at commas not preceded by a backslash.
    static func split(_ value: String) -> [String] {
        var items = [""], escaped = false
        for c in value {
            if escaped {
                items[items.count - 1].append(c == "," ? "," : "\\" + String(c))
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "," {
                items.append("")
            } else {
                items[items.count - 1].append(c)
            }
        }
        if escaped { items[items.count - 1].append("\\") }
        return items
    }
}

/// One experiment: a private copy of the workspace with its params set, reproduced and recorded.
struct Experiment: Sendable {
    let workspace: Workspace
    let sets: [String]
    let name: String
    let store: TrackingStore
    let console: Console
    let sandbox: Bool?

    struct Outcome: Sendable {
        var run: String?
        var name: String
        var sets: [String]
        var status: String
        var bundle: String?
    }

    func run() async -> Outcome {
        var outcome = Outcome(run: nil, name: name, sets: sets, status: "failed", bundle: nil)
        let copy: ExperimentCopy
        do { copy = try ExperimentCopy.make(of: workspace) } catch {
            console.warn("Experiment \(sets.joined(separator: " ")): \(error)")
            return outcome
        }
        defer { copy.remove() }
        let experiment: Workspace
        let recorder: RunRecorder
        do {
            if !sets.isEmpty { try ParamsEditor.apply(sets, to: copy.root + "/params.yaml") }
            experiment = try Workspace(root: copy.root)
            recorder = try await RunRecorder.start(store, workspace: experiment, name: name, source: "exp", gitRoot: workspace.root)
        } catch {
            console.warn("Experiment \(sets.joined(separator: " ")): \(error)")
            return outcome
        }
        outcome.run = recorder.id
        let before = BundleIndex.entries(root: copy.root)
        let results: [StageResult]
        do throws(RunnerError) {
            var options = ReproOptions()
            options.environment = UIAddress.environment(root: workspace.root, recorder: recorder)
            options.sandbox = sandbox
            results = try await Runner.Repro(workspace: experiment, console: console, options: options).run()
        } catch {
            console.warn("Experiment \(recorder.id.prefix(8)): \(error)")
            try? recorder.fail(error.description)
            return outcome
        }
        let built = BuiltBundle.new(in: copy.root, since: before)
        if let built { outcome.bundle = keep(built, from: copy) }
        do {
            try recorder.finish(results, workspace: experiment, bundle: built, documents: built?.documents(in: copy.root) ?? [])
        } catch {
            console.warn("Experiment \(recorder.id.prefix(8)) is not recorded in the history: \(error)")
        }
        outcome.status = results.contains { $0.status == .interrupted } ? "interrupted"
            : results.contains { if case .failed = $0.status { true } else if case .skipped = $0.status { true } else { false } } ? "failed" : "succeeded"
        return outcome
    }

    /// Copies the bundle the experiment built into the workspace's `.proj/exp-bundles/` (never into
    /// `bundles/`, which holds releases); its path there, or nil when it could not be kept.
    func keep(_ bundle: BuiltBundle, from copy: ExperimentCopy) -> String? {
        guard let file = bundle.archive(in: copy.root) else { return nil }
        let manager = FileManager.default
        let directory = workspace.root + "/.proj/exp-bundles"
        let target = directory + "/" + file
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !manager.fileExists(atPath: target) { try manager.copyItem(atPath: copy.root + "/bundles/" + file, toPath: target) }
            return ".proj/exp-bundles/" + file
        } catch {
            console.warn("The bundle \(file) could not be kept: \(error.localizedDescription)")
            return nil
        }
    }
}

extension ProjCommand.Exp {
    /// `proj exp apply`: a run's params into params.yaml, its outs from the cache.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a run into the workspace: its params into params.yaml, its outs from the cache.",
            discussion: "Stages whose outs the run-cache holds are restored (their locks too); any other is named, for `proj repro` to run. Nothing runs.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "The run: its id, the start of it, or its name.") var run: String
        @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10

        func run() async throws {
            let console = Console(prefixStageOutput: false)
            let lock: ProjectLock
            do { lock = try ProjectLock(root: project.directory, wait: wait) { console.warn($0) } } catch { throw fail(error) }
            defer { withExtendedLifetime(lock) {} }
            let workspace = try project.workspace()
            let store = try tracking.store(root: workspace.root)
            let detail: RunDetail
            do throws(TrackingError) {
                guard let found = try store.run(try store.resolve(run)) else { throw TrackingError.invalid("the run was removed while being read") }
                detail = found
            } catch { throw fail(error) }
            // Only the params the workspace has and the run changed; a param the project no longer has is said.
            let current = Dictionary(workspace.project.params.flattened().map { ($0.key, $0.value.inlineText) }, uniquingKeysWith: { $1 })
            let changes = detail.summary.params.filter { current[$0.key] != nil && current[$0.key] != $0.value }.sorted { $0.key < $1.key }
            for key in detail.summary.params.keys.sorted() where current[key] == nil {
                console.warn("params.yaml has no '\(key)' any more; left out")
            }
            if !changes.isEmpty {
                do { try ParamsEditor.apply(changes.map { "\($0.key)=\($0.value)" }, to: workspace.root + "/params.yaml") } catch { throw fail(error) }
            }
            var options = ReproOptions()
            options.restoreOnly = true
            let results: [StageResult]
            let applied = try project.workspace()
            do { results = try await Runner.Repro(workspace: applied, console: console, options: options).run() } catch { throw fail(error) }
            let missing = results.filter { if case .skipped = $0.status { true } else { false } }.map(\.name)
            Output.line("Applied run \(detail.summary.id.prefix(8)): \(changes.count) param\(changes.count == 1 ? "" : "s") set"
                        + (missing.isEmpty ? ", every stage restored or fresh." : "; not in the run-cache: \(missing.joined(separator: ", ")) (run `proj repro`)."))
        }
    }
}
