import ArgumentParser
import Foundation
import Runner
import Tracking
import UI

extension ProjCommand {
    /// `proj ui`: the run history over HTTP, as MLflow's tracking server.
    struct UICommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ui",
            abstract: "Serve the run history over MLflow's tracking REST API (the mlflow client logs into it).",
            discussion: "Point the mlflow client at it with MLFLOW_TRACKING_URI=http://HOST:PORT: experiments, runs, params, per-step metrics and tags land in proj's run history beside the runs proj records.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var tracking: TrackingOptions
        @Option(help: "The address to listen on.") var host = "127.0.0.1"
        @Option(help: "The port (0 picks a free one).") var port = 5000

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        }

        func run() async throws {
            let root = try project.workspace().root
            let store = try tracking.store(root: root)
            let host = host, location = store.location
            defer { UIAddress.withdraw(root: root) }
            try await TrackingServer(store: store).run(host: host, port: port) { bound in
                // Runs recorded into this history while it serves hand its address to their stages.
                UIAddress.announce(root: root, url: "http://\(host):\(bound)", store: store)
                Output.write("ready: proj ui (MLflow tracking API) on http://\(host):\(bound), history \(location)\n")
            }
            Output.write("stopped\n")
        }
    }
}
