import Foundation
import ProjectModel
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// How one command of a stage ended.
public enum CommandOutcome: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// Whether the command succeeded.
    public var succeeded: Bool { self == .exited(0) }

    /// `exit code 3` / `killed by signal 9`.
    public var text: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }
}

/// Runs a stage's commands with `/bin/sh -c` in its own process group, streaming its output.
///
/// On cancellation (Ctrl-C, SIGTERM) the whole group gets SIGTERM, then SIGKILL after a grace period.
public enum StageProcess {
    /// How long a cancelled stage may take to exit after SIGTERM.
    public static let grace: Duration = .seconds(3)

    /// Runs `stage.cmd` in order; stops at the first failure. Returns the outcome and the tail of stderr.
    /// `extra` is set in the stage's environment too (under the stage's own `env`).
    /// With a `sandbox`, each command runs inside it.
    static func run(_ stage: Stage, root: String, console: Console, extra: [String: String] = [:], sandbox: Sandbox? = nil, tailLines: Int = 20) async throws -> (CommandOutcome, [String]) {
        var environment: [Environment.Key: String?] = [:]
        for (name, value) in extra {
            if let key = Environment.Key(rawValue: name) { environment[key] = value }
        }
        for e in stage.env {
            if let key = Environment.Key(rawValue: e.name) { environment[key] = e.value }
        }
        environment["PROJ_STAGE"] = stage.name
        // The project lock is held by this process: a `proj bundle` stage may work under it (ProjectLock.holderVariable).
        environment["PROJ_LOCK_HOLDER"] = String(getpid())
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: grace)]
        let directory = stage.wdir.isEmpty ? root : root + "/" + stage.wdir
        let tail = LineTail(limit: tailLines)
        for command in stage.cmd {
            console.stageLine(stage.name, "> " + command, error: false)
            let (program, arguments) = sandbox.map { ($0.program, $0.arguments(command)) } ?? ("/bin/sh", ["-c", command])
            let result = try await Subprocess.run(
                .path(FilePath(program)), arguments: Arguments(arguments),
                environment: .inherit.updating(environment),
                workingDirectory: FilePath(directory),
                platformOptions: options,
                input: .none, output: .sequence, error: .sequence
            ) { execution in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await line in execution.standardOutput.strings() {
                            console.stageLine(stage.name, line, error: false)
                        }
                    }
                    group.addTask {
                        for try await line in execution.standardError.strings() {
                            console.stageLine(stage.name, line, error: true)
                            tail.append(line)
                            sandbox?.notice(line)
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try Task.checkCancellation()
            let outcome: CommandOutcome
            switch result.terminationStatus {
            case .exited(let code): outcome = .exited(Int32(code))
            case .signaled(let signal): outcome = .signaled(Int32(signal))
            }
            if !outcome.succeeded { return (outcome, tail.lines) }
        }
        return (.exited(0), tail.lines)
    }
}

/// The last few lines a command wrote to stderr.
final class LineTail: Sendable {
    private let limit: Int
    private let storage = Mutex<[String]>([])

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ line: String) {
        storage.withLock {
            $0.append(line)
            if $0.count > limit { $0.removeFirst($0.count - limit) }
        }
    }

    var lines: [String] { storage.withLock { $0 } }
}
