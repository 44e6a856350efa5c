import ArgumentParser
import Foundation
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
        subcommands: [Repro.self, Status.self, Dag.self, Params.self, MetricsCommand.self, Checkout.self, GC.self,
                      BundleCommand.self, Verify.self, Inspect.self, Extract.self, Keys.self, Push.self, Pull.self, ListStore.self, MLCommand.self, Predict.self, ServeCommand.self]
    )

    public init() {}
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

/// Prints a runner error to stderr and returns the exit code to throw.
func fail(_ error: RunnerError) -> ExitCode {
    FileHandle.standardError.write(Data(("Error: " + error.description + "\n").utf8))
    return ExitCode(error.exitCode)
}

/// Writes a JSON value (sorted keys) to standard output.
func printJSON(_ object: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else { return }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}
