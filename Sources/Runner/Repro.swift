import Dispatch
import Fingerprint
import Foundation
import ProjectModel
import Synchronization

/// What `proj repro` was asked to do.
public struct ReproOptions: Sendable {
    public var targets: [String] = []
    public var force = false
    public var dry = false
    public var single = false
    public var downstream = false
    public var keepGoing = false
    public var jobs = 1
    /// Restore stale stages from the run-cache only; a stage that would have to run is skipped.
    public var restoreOnly = false
    /// Set in every stage's environment (`PROJ_RUN_ID`, the run recording this repro).
    public var environment: [String: String] = [:]
    /// The remote whose run-cache is asked when the local one misses.
    public var remote: DataSync?
    /// true: every stage runs in a sandbox (`--sandbox`); false: none does (`--no-sandbox`); nil: the
    /// stages that say `sandbox: true`.
    public var sandbox: Bool?

    public init() {}
}

/// What happened to one stage.
public enum StageStatus: Sendable, Equatable {
    case fresh
    case ran
    case restored
    case wouldRun
    case failed(String)
    case skipped(String)
    case interrupted
}

/// One stage's result with the reasons it was (or was not) stale.
public struct StageResult: Sendable {
    public var name: String
    public var status: StageStatus
    public var reasons: [Reason]
    /// The fingerprint of its inputs, when they could be read.
    public var fingerprint: String? = nil
    /// Wall-clock seconds spent on it (hashing, restoring or running).
    public var seconds: Double = 0
    /// Each out's SHA-256, when it ran or was restored.
    public var outs: [String: String] = [:]
    /// The machine its lock says it ran on (`proj status` only).
    public var platform: [String: String] = [:]
}

/// Runs stale stages in dependency order, at most `jobs` at a time.
public final class Repro: Sendable {
    let workspace: Workspace
    let console: Console
    let options: ReproOptions
    /// Whether the lack of a sandbox has been explained (it is, once).
    private let explained = Mutex<Bool>(false)

    /// Prepares a repro of `workspace`.
    public init(workspace: Workspace, console: Console, options: ReproOptions) {
        self.workspace = workspace
        self.console = console
        self.options = options
    }

    /// The stages the options select, in dependency order.
    public func selection() throws(RunnerError) -> [Int] {
        let graph = workspace.project.graph
        let targets = try workspace.stageIndices(options.targets)
        let chosen: Set<Int>
        if options.downstream {
            chosen = graph.closure(downstreamOf: targets)
        } else if options.single || options.targets.isEmpty {
            chosen = Set(targets)
        } else {
            chosen = graph.closure(upstreamOf: targets)
        }
        return graph.order.filter(chosen.contains)
    }

    /// Runs the selection; stage failures are results, only the machinery throws.
    public func run() async throws(RunnerError) -> [StageResult] {
        let order = try selection()
        let selected = Set(order)
        let graph = workspace.project.graph
        var results: [Int: StageResult] = [:]
        var pending = order
        var running = 0
        var stopping = false

        await withTaskGroup(of: (Int, StageResult).self) { group in
            while true {
                if !stopping && !Task.isCancelled {
                    var index = 0
                    while index < pending.count && running < max(1, options.jobs) {
                        let i = pending[index]
                        let ups = graph.upstream[i].filter(selected.contains)
                        if ups.contains(where: { results[$0] == nil }) { index += 1; continue }
                        pending.remove(at: index)
                        let blocked = ups.filter { r in
                            switch results[r]!.status {
                            case .failed, .skipped, .interrupted: return true
                            default: return false
                            }
                        }
                        if !blocked.isEmpty {
                            let names = blocked.map { "'\(graph.names[$0])'" }.joined(separator: ", ")
                            let result = StageResult(name: graph.names[i], status: .skipped("upstream \(names) did not complete"), reasons: [])
                            console.warn("Stage '\(result.name)' skipped: upstream \(names) did not complete")
                            results[i] = result
                            index = 0
                            continue
                        }
                        let pendingUpstream = options.dry ? ups.filter { results[$0]?.status == .wouldRun }.map { graph.names[$0] } : []
                        running += 1
                        group.addTask { (i, await self.process(i, pendingUpstream: pendingUpstream)) }
                    }
                }
                guard let (i, result) = await group.next() else { break }
                running -= 1
                results[i] = result
                switch result.status {
                case .failed where !options.keepGoing, .interrupted: stopping = true
                default: break
                }
            }
        }
        workspace.saveState()
        return order.compactMap { results[$0] }
    }

    /// Evaluates one stage and runs or restores it when stale; the result says how long that took.
    func process(_ i: Int, pendingUpstream: [String]) async -> StageResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var result = await evaluate(i, pendingUpstream: pendingUpstream)
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return result
    }

    func evaluate(_ i: Int, pendingUpstream: [String]) async -> StageResult {
        let stage = workspace.project.stages[i]
        var fingerprint: String?
        do {
            let observed = try Observation.observe(stage, in: workspace.project, with: workspace.fingerprinter, tools: workspace.tools)
            fingerprint = observed.fingerprint
            var reasons: [Reason]
            switch workspace.lock(of: stage.name) {
            case .success(let lock): reasons = Staleness.reasons(stage: stage, lock: lock, observed: observed)
            case .failure(let error): reasons = [.lockUnreadable(error.headline)]
            }
            if options.force && !stage.frozen { reasons.insert(.forced, at: 0) }
            if reasons.isEmpty && !pendingUpstream.isEmpty { reasons = [.upstream(pendingUpstream)] }
            guard !reasons.isEmpty else {
                console.say(stage.frozen ? "Stage '\(stage.name)' is frozen" : "Stage '\(stage.name)' is fresh")
                return StageResult(name: stage.name, status: .fresh, reasons: [], fingerprint: fingerprint)
            }
            let why = reasons.map(\.description).joined(separator: "; ")
            if options.dry {
                console.say("Would run stage '\(stage.name)': \(why)")
                return StageResult(name: stage.name, status: .wouldRun, reasons: reasons, fingerprint: fingerprint)
            }
            if !options.force, !stage.alwaysChanged, let outs = try restoreFromRunCache(stage, observed) {
                console.say("Stage '\(stage.name)' restored from run-cache (\(why))")
                return StageResult(name: stage.name, status: .restored, reasons: reasons, fingerprint: fingerprint, outs: outs)
            }
            if !options.force, !stage.alwaysChanged, stage.outs.allSatisfy(\.cache), let remote = options.remote,
               await remote.restoreRun(stage: stage.name, fingerprint: observed.fingerprint, outs: Set(stage.outs.map(\.path)), warn: console.warn),
               let outs = try restoreFromRunCache(stage, observed) {
                console.say("Stage '\(stage.name)' restored from remote run-cache '\(remote.store.remote)' (\(why))")
                return StageResult(name: stage.name, status: .restored, reasons: reasons, fingerprint: fingerprint, outs: outs)
            }
            if options.restoreOnly {
                console.warn("Stage '\(stage.name)' is not in the run-cache (\(why)); `proj repro` runs it")
                return StageResult(name: stage.name, status: .skipped("not in the run-cache"), reasons: reasons, fingerprint: fingerprint)
            }
            console.say("Running stage '\(stage.name)': \(why)")
            return try await execute(stage, observed, reasons)
        } catch is CancellationError {
            console.warn("Stage '\(stage.name)' interrupted; nothing recorded")
            return StageResult(name: stage.name, status: .interrupted, reasons: [], fingerprint: fingerprint)
        } catch {
            let message = if case RunnerError.tool(_, let failure) = error { failure.description } else { FileSystem.describe(error) }
            console.warn("Stage '\(stage.name)' failed: \(message)")
            return StageResult(name: stage.name, status: .failed(message), reasons: [], fingerprint: fingerprint)
        }
    }

    /// Restores outs recorded by an earlier run with the same fingerprint and returns their digests; nil
    /// when there is none.
    func restoreFromRunCache(_ stage: Stage, _ observed: Observation) throws -> [String: String]? {
        guard stage.outs.allSatisfy(\.cache), let entry = workspace.runCache.entry(observed.fingerprint),
              entry.stage == stage.name, entry.fingerprint == observed.fingerprint, Set(entry.outs.keys) == Set(stage.outs.map(\.path)),
              entry.outs.values.allSatisfy(workspace.cache.contains) else { return nil }
        // The stage's own out paths (checked when project.yaml was loaded), never the entry's keys as paths.
        for path in stage.outs.map(\.path).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let digest = entry.outs[path] else { return nil }
            let restored = Result { () throws(FingerprintError) in try workspace.cache.restore(digest, to: workspace.fingerprinter.absolute(path)) }
            // Whatever keeps an object from coming back whole (damaged, unreadable, not a file), the stage can
            // still make it: run it instead of failing.
            if case .failure(let error) = restored {
                let what = if case .corrupt = error { "cache object \(error)" } else { "\(error)" }
                console.warn("Stage '\(stage.name)': not restored from run-cache: '\(path)' \(what); running the stage instead")
                return nil
            }
        }
        try workspace.write(entry)
        return entry.outs.mapValues(\.sha256)
    }

    /// Runs the stage's commands and, on success, caches its outs and writes its lock.
    func execute(_ stage: Stage, _ observed: Observation, _ reasons: [Reason]) async throws -> StageResult {
        for out in stage.outs where !out.persist {
            let path = workspace.fingerprinter.absolute(out.path)
            if FileSystem.stat(path) != nil || FileSystem.isSymlink(path) { FileSystem.removeTree(path) }
        }
        for out in stage.outs {
            try FileSystem.makeDirectories(TemporaryPath.split(workspace.fingerprinter.absolute(out.path)).0)
        }
        var sandbox: Sandbox?
        if options.sandbox ?? stage.sandbox ?? false {
            switch Sandbox.bubblewrap {
            case .success(let program):
                sandbox = Sandbox(stage: stage, in: workspace.project, root: workspace.root, program: program,
                                  executables: Sandbox.executables(root: workspace.root))
            case .failure(let unavailable):
                let first = explained.withLock { done in defer { done = true }; return !done }
                let message = first ? "it asks for a sandbox, but none can be made here: \(unavailable.reason); `proj repro --no-sandbox` runs it without one"
                    : "it asks for a sandbox, but none can be made here (see above)"
                console.warn("Stage '\(stage.name)' not run: \(message)")
                return StageResult(name: stage.name, status: .failed(message), reasons: reasons, fingerprint: observed.fingerprint)
            }
        }
        try sandbox?.prepare()
        let outcome: CommandOutcome, tail: [String]
        do {
            (outcome, tail) = try await StageProcess.run(stage, root: workspace.root, console: console, extra: options.environment, sandbox: sandbox)
        } catch {
            // Interrupted: the scratch directory goes with the command.
            if let sandbox { FileSystem.removeTree(sandbox.scratch) }
            throw error
        }
        if let stray = try sandbox?.finish(succeeded: outcome.succeeded), !stray.isEmpty {
            console.warn("Stage '\(stage.name)' wrote \(stray.joined(separator: ", ")) in its sandbox, which it does not declare as outs; discarded")
        }
        guard outcome.succeeded else {
            var text = "Stage '\(stage.name)' failed: \(outcome.text)"
            if !tail.isEmpty { text += "; last lines of stderr:\n" + tail.map { "  | " + $0 }.joined(separator: "\n") }
            console.warn(text)
            if let reads = sandbox?.undeclaredReads, !reads.isEmpty {
                let message = "stage '\(stage.name)' read \(Sandbox.list(reads)), which it does not declare: add \(reads.count == 1 ? "it" : "them") to deps or code"
                console.warn(message)
                return StageResult(name: stage.name, status: .failed(message), reasons: reasons, fingerprint: observed.fingerprint)
            }
            return StageResult(name: stage.name, status: .failed(outcome.text), reasons: reasons, fingerprint: observed.fingerprint)
        }
        var outs: [String: FileDigest] = [:]
        for out in stage.outs {
            let absolute = workspace.fingerprinter.absolute(out.path)
            // A directory is listed and hashed once: its manifest gives both the digest and what to cache.
            let manifest = FileSystem.stat(absolute)?.kind == .directory ? try workspace.fingerprinter.manifest(out.path) : nil
            guard let digest = try manifest.map(Fingerprinter.directoryDigest) ?? workspace.fingerprinter.digest(out.path) else {
                let message = "declared \(out.kind.rawValue) '\(out.path)' was not produced"
                console.warn("Stage '\(stage.name)' failed: \(message); nothing recorded")
                return StageResult(name: stage.name, status: .failed(message), reasons: reasons, fingerprint: observed.fingerprint)
            }
            if out.cache { try workspace.cache.store(absolute, digest: digest, manifest: manifest) }
            outs[out.path] = digest
        }
        try Task.checkCancellation()
        let lock = observed.lock(for: stage, outs: outs)
        try workspace.write(lock)
        if stage.outs.allSatisfy(\.cache) && !stage.alwaysChanged { try? workspace.runCache.record(lock) }
        return StageResult(name: stage.name, status: .ran, reasons: reasons, fingerprint: observed.fingerprint, outs: outs.mapValues(\.sha256))
    }
}
