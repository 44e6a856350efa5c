import ArgumentParser
import Bundle
import Fingerprint
import Foundation
import ML
import ProjectModel
import Remote
import Runner
import Tracking
import YAML

/// A command's failure: the message for standard error (nil when the command said it already) and the exit code.
struct CommandFailure: Error {
    var message: String?
    var code: Int32
}

/// A runner error as a command failure (2 for bad input, 1 otherwise).
func fail(_ error: RunnerError) -> CommandFailure {
    CommandFailure(message: error.description, code: error.exitCode)
}

/// A run-history error as a command failure (2 for a bad reference or URI, 1 for a store that cannot be used).
func fail(_ error: TrackingError) -> CommandFailure {
    switch error {
    case .invalid(let message), .notFound(let message), .exists(let message): CommandFailure(message: message, code: 2)
    case .store(let message): CommandFailure(message: message, code: 1)
    }
}

/// A bundle error as a command failure (2 for bad configuration or arguments, 1 otherwise).
func fail(_ error: BundleError) -> CommandFailure {
    CommandFailure(message: error.description, code: error.exitCode)
}

/// Runs an ML step; its errors are failures with exit code 1.
func runStep<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as CommandFailure { throw error } catch let error as ExitCode { throw error } catch {
        throw CommandFailure(message: FileSystem.describe(error), code: 1)
    }
}

/// The one place that turns what a command threw into a message and an exit code: 0 success, 1 failure,
/// 2 invalid input or usage (swift-argument-parser's own usage errors included, which it would end with 64),
/// 130 interrupted. Messages go to standard error with control characters escaped; a failed write to either
/// stream (`Output.failure`) ends in 1 with that failure named on the stream that still works.
enum ErrorFunnel {
    /// Runs the command line `arguments` and returns the exit code.
    static func run(_ arguments: [String]) async -> Int32 {
        var code: Int32
        do {
            var command = try ProjCommand.parseAsRoot(arguments)
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            code = 0
        } catch {
            code = report(error)
        }
        if let failure = Output.failure {
            Output.line("Error: " + failure.description, to: failure.stream == .out ? .err : .out)
            if code == 0 { code = 1 }
        }
        return code
    }

    /// Prints `error` and returns its exit code.
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let failure as CommandFailure:
            if let message = failure.message { say(message) }
            return failure.code
        case let exit as ExitCode:
            return exit.rawValue
        case let error as RunnerError:
            return report(fail(error))
        case let error as BundleError:
            return report(fail(error))
        case let error as TrackingError:
            return report(fail(error))
        case let error as RemoteError:
            return report(fail(error))
        case let error as SourceError:
            say(error.description)
            return 2
        case let error as FingerprintError:
            say(error.description)
            return 1
        case is CancellationError:
            return 130
        default:
            // swift-argument-parser's own: help and --version (exit 0, on standard output), usage errors (2).
            let message = ProjCommand.fullMessage(for: error)
            let exit = ProjCommand.exitCode(for: error)
            if exit == .success {
                if !message.isEmpty { Output.line(message) }
                return 0
            }
            if !message.isEmpty { Output.line(Paths.printable(message, keepNewlines: true), to: .err) }
            return exit == .validationFailure ? 2 : exit.rawValue
        }
    }

    private static func say(_ message: String) {
        Output.line("Error: " + Paths.printable(message, keepNewlines: true), to: .err)
    }
}
