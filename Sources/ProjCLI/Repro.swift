import ArgumentParser
import Bundle
import Dispatch
import Foundation
import Runner
import Tracking
#if canImport(Glibc)
import Glibc
#endif

/// `--sandbox` / `--no-sandbox`, shared by `proj repro` and `proj exp run`.
struct SandboxOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Run every stage in a sandbox (bubblewrap), or none; by default the stages that say `sandbox: true`.",
        discussion: "--no-sandbox also runs those stages where no sandbox can be made."))
    var sandbox: Bool?

    /// The choice for ReproOptions.sandbox; says once which stages that ask for a sandbox run without one.
    func choice(_ workspace: Workspace, console: Console) -> Bool? {
        if sandbox == false {
            let asking = workspace.project.stages.filter { $0.sandbox == true }.map { "'\($0.name)'" }
            if !asking.isEmpty { console.warn("--no-sandbox: \(asking.joined(separator: ", ")) run\(asking.count == 1 ? "s" : "") without the sandbox \(asking.count == 1 ? "it asks" : "they ask") for") }
        }
        return sandbox
    }
}

extension ProjCommand {
    /// `proj repro`: runs the stale stages in dependency order.
    struct Repro: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the stale stages (and only those), saying why each runs.")

        @OptionGroup var project: ProjectOptions
        @Argument(help: "Stages to reproduce, with the stages they depend on (default: all).") var stages: [String] = []
        @Flag(name: [.short, .long], help: "Run the selected stages even when fresh.") var force = false
        @Flag(help: "Print the plan with reasons; run nothing.") var dry = false
        @Flag(name: [.short, .customLong("single-item")], help: "Only the named stages, not their upstream.") var singleItem = false
        @Flag(help: "The named stages and every stage downstream of them.") var downstream = false
        @Flag(help: "After a failure, go on with the stages that do not depend on it.") var keepGoing = false
        @Option(name: .short, help: "Run up to N independent stages at once.") var jobs: Int = 1
        @Option(name: .customShort("S"), help: "Set a params.yaml value before running (key=value; repeatable).") var set: [String] = []
        @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10
        @Option(help: "A name for this run in the history (`proj exp show`).") var name: String?
        @Flag(name: .customLong("no-remote"), help: "Do not look into the default remote's run-cache.") var noRemote = false
        @Option(name: [.customShort("r"), .customLong("remote")], help: "Look into this remote's run-cache instead of the default remote's.")
        var remote: String?
        @OptionGroup var sandbox: SandboxOptions
        @OptionGroup var tracking: TrackingOptions

        func validate() throws {
            guard jobs >= 1 else { throw ValidationError("-j must be at least 1") }
            guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
            if noRemote && remote != nil { throw ValidationError("--no-remote and --remote exclude each other") }
        }

        func run() async throws {
            let console = Console(prefixStageOutput: jobs > 1)
            let root = project.directory
            let lock: ProjectLock
            do { lock = try ProjectLock(root: root, wait: wait) { console.warn($0) } } catch { throw fail(error) }
            var workspace = try project.workspace()
            if !set.isEmpty {
                do { try ParamsEditor.apply(set, to: workspace.root + "/params.yaml") } catch { throw fail(error) }
                workspace = try project.workspace()
            }
            var options = ReproOptions()
            options.targets = stages
            options.force = force
            options.dry = dry
            options.single = singleItem
            options.downstream = downstream
            options.keepGoing = keepGoing
            options.jobs = jobs
            options.sandbox = sandbox.choice(workspace, console: console)
            if !dry && !noRemote { options.remote = try RemoteSupport.runCacheSync(workspace, console: console, named: remote) }
            let recorder = dry ? nil : await record(workspace, console: console)
            if let recorder { options.environment = UIAddress.environment(root: workspace.root, recorder: recorder) }
            let repro = Runner.Repro(workspace: workspace, console: console, options: options)
            let bundlesBefore = BundleIndex.entries(root: workspace.root)
            let task = Task { () -> Result<[StageResult], RunnerError> in
                do throws(RunnerError) { return .success(try await repro.run()) } catch { return .failure(error) }
            }
            let signals = Interrupts.forward(to: task)
            defer { withExtendedLifetime((lock, signals)) {} }
            let results: [StageResult]
            switch await task.value {
            case .success(let r): results = r
            case .failure(let error):
                if let recorder { keep(console) { () throws(TrackingError) in try recorder.fail(error.description) } }
                throw fail(error)
            }
            if let recorder {
                let built = BuiltBundle.new(in: workspace.root, since: bundlesBefore)
                keep(console) { () throws(TrackingError) in
                    _ = try recorder.finish(results, workspace: workspace, bundle: built, documents: built?.documents(in: workspace.root) ?? [])
                }
            }
            try finish(results, console: console)
        }

        /// Starts this repro's run in the history; a history that cannot be used is said once and the repro
        /// goes on unrecorded.
        func record(_ workspace: Workspace, console: Console) async -> RunRecorder? {
            do {
                return try await RunRecorder.start(try tracking.open(root: workspace.root), workspace: workspace, name: name ?? "", source: "repro")
            } catch {
                console.warn("This run is not recorded in the history: \(error)")
                return nil
            }
        }

        func keep(_ console: Console, _ body: () throws(TrackingError) -> Void) {
            do { try body() } catch { console.warn("This run is not recorded in the history: \(error)") }
        }

        func finish(_ results: [StageResult], console: Console) throws {
            var failed: [String] = []
            var interrupted = false
            var ran = 0
            for r in results {
                switch r.status {
                case .failed, .skipped: failed.append(r.name)
                case .interrupted: interrupted = true
                case .ran, .restored, .wouldRun: ran += 1
                case .fresh: break
                }
            }
            if interrupted {
                console.warn("Interrupted: the running stages were stopped and nothing was recorded for them.")
                throw ExitCode(130)
            }
            if !failed.isEmpty {
                console.warn("\(failed.count) stage\(failed.count == 1 ? "" : "s") did not complete: \(failed.joined(separator: ", "))")
                throw ExitCode(1)
            }
            if ran == 0 { console.say("Everything is fresh; nothing to run.") }
        }
    }
}

/// Turns SIGINT and SIGTERM into cancellation of a task.
enum Interrupts {
    /// Starts forwarding; keep the returned sources alive while the task runs.
    static func forward<T: Sendable, E: Error>(to task: Task<T, E>) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
    }
}
