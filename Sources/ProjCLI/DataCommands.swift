import ArgumentParser
import Foundation
import Remote
import Runner

/// Byte counts as people read them.
func bytesText(_ n: Int64) -> String {
    n < 1 << 10 ? "\(n) B" : n < 1 << 20 ? String(format: "%.1f KiB", Double(n) / 1024) : n < 1 << 30 ? String(format: "%.1f MiB", Double(n) / 1048576) : String(format: "%.2f GiB", Double(n) / 1073741824)
}

/// `proj push`.
struct DataPush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send the cache objects of the stages' locked outs, and their run-cache entries, to a remote.",
        discussion: "Small files travel in packs; objects go before the listings and run-cache entries that name them. What the remote already holds is known from a local record and a listing of its packs; --rescan asks it afresh.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Stages whose outs to send (default: all).") var stages: [String] = []
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Forget what this machine believes the remote holds, and ask it.") var rescan = false
    @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10

    func run() async throws {
        let workspace = try project.workspace()
        let lock = try takeLock(workspace.root, wait: wait)
        defer { withExtendedLifetime(lock) {} }
        let sync = DataSync(workspace: workspace, store: try RemoteSupport.store(named: remote.remote, root: workspace.root), jobs: remote.jobs)
        let (stages, rescan) = (stages, rescan)
        let report = try await RemoteSupport.interruptible { () async throws -> PushReport in
            try await sync.push(stages, rescan: rescan)
        }
        for (stage, path) in report.notCached {
            Output.line("warning: \(path) (stage '\(stage)') is not in the cache, so it was not pushed; `proj repro \(stage)` makes it", to: .err)
        }
        let what = report.sent == 0 ? "Nothing to push: remote '\(sync.store.remote)' has all \(report.present) objects"
            : "Pushed \(report.sent) object\(report.sent == 1 ? "" : "s") (\(bytesText(report.bytes)), \(report.packs) pack\(report.packs == 1 ? "" : "s")) to remote '\(sync.store.remote)'; \(report.present) were there"
        Output.line(what + (report.runEntries > 0 ? "; \(report.runEntries) run-cache entr\(report.runEntries == 1 ? "y" : "ies")" : "") + ".")
        if !report.notCached.isEmpty { throw CommandFailure(message: nil, code: 1) }
    }
}

/// What `proj fetch` and `proj pull` are given: the project, the stages, the remote, the wait for the lock.
struct FetchArguments: ParsableArguments {
    @OptionGroup var project: ProjectOptions
    @Argument(help: "Stages whose locked outs to fetch (default: all).") var stages: [String] = []
    @OptionGroup var remote: RemoteOptions
    @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10

    /// Takes the project lock, fetches what the cache lacks and says so; then `then` runs under the same lock.
    func fetch(then: (Workspace) throws -> Void = { _ in }) async throws {
        let workspace = try project.workspace()
        let lock = try takeLock(workspace.root, wait: wait)
        defer { withExtendedLifetime(lock) {} }
        let sync = DataSync(workspace: workspace, store: try RemoteSupport.store(named: remote.remote, root: workspace.root), jobs: remote.jobs)
        let stages = stages
        let report = try await RemoteSupport.interruptible { () async throws -> FetchReport in try await sync.fetch(stages) }
        Output.line(report.fetched == 0 ? "Nothing to fetch: the cache has all \(report.cached) objects."
            : "Fetched \(report.fetched) object\(report.fetched == 1 ? "" : "s") (\(bytesText(report.bytes))); \(report.cached) were cached.")
        try then(workspace)
    }
}

/// `proj fetch`.
struct DataFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Download into .proj/cache the objects of the stages' locked outs that it lacks (the workspace is not touched).")

    @OptionGroup var arguments: FetchArguments

    func run() async throws { try await arguments.fetch() }
}

/// `proj pull`.
struct DataPull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Fetch the stages' locked outs from a remote and check them out into the workspace.")

    @OptionGroup var arguments: FetchArguments

    func run() async throws {
        let stages = arguments.stages
        try await arguments.fetch { try ProjCommand.Checkout.restore($0, stages: stages) }
    }
}
