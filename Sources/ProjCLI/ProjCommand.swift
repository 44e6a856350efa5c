import ArgumentParser
import Foundation
import ML
import ProjectModel
import Runner

/// `proj`: reproducible pipelines and shippable models.
public struct ProjCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "proj",
        abstract: "Reproducible ML pipelines: run only what changed, and say why.",
        discussion: """
            Exit codes: 0 success; 1 a stage failed, or `status` found stale stages; \
            2 invalid project.yaml, params.yaml or arguments; 130 interrupted.
            """,
        version: ToolVersion.current,
        subcommands: [Repro.self, Exp.self, ExportCommand.self, UICommand.self, Status.self, Dag.self, Params.self, MetricsCommand.self, Checkout.self, GC.self, CacheCommand.self,
                      BundleCommand.self, Verify.self, Inspect.self, Extract.self, Keys.self, DataPush.self, DataFetch.self, DataPull.self, RemoteCommand.self, MLCommand.self, Predict.self, ServeCommand.self]
    )

    public init() {}

    /// Runs proj with the process's arguments and returns its exit code (see `ErrorFunnel`). A closed pipe
    /// is an error to report (EPIPE), not a signal that ends proj silently.
    public static func runMain() async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        Platform.register("xgboost") { MLLibraries.xgboostVersion }
        return await ErrorFunnel.run(Array(CommandLine.arguments.dropFirst()))
    }
}

/// Takes the project lock at `root`, waiting up to `wait` seconds and saying so on standard error.
func takeLock(_ root: String, wait: Int) throws -> ProjectLock {
    do { return try ProjectLock(root: root, wait: wait) { Output.line($0, to: .err) } } catch { throw fail(error) }
}

/// Options every command shares.
struct ProjectOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("project")], help: "The project directory (holding project.yaml).")
    var directory: String = "."

    /// Loads the workspace, turning a bad project into a one-line error and exit code 2.
    func workspace() throws -> Workspace {
        do { return try Workspace(root: directory) } catch { throw fail(error) }
    }
}


