import Foundation
import Synchronization

/// Where the runner's user-facing output goes; lines from parallel stages never interleave mid-line.
public final class Console: Sendable {
    /// Whether stage output lines are prefixed with `[stage]`.
    public let prefixStageOutput: Bool
    private let capturing: Bool
    private let lines = Mutex<[String]>([])

    /// A console on stdout/stderr; with `capture`, lines are kept in memory instead (tests).
    public init(prefixStageOutput: Bool = false, capture: Bool = false) {
        self.prefixStageOutput = prefixStageOutput
        self.capturing = capture
    }

    /// Prints a runner message to standard output.
    public func say(_ text: String) {
        emit(text, error: false)
    }

    /// Prints a runner warning or failure to standard error.
    public func warn(_ text: String) {
        emit(text, error: true)
    }

    /// Prints one line a stage's command wrote.
    public func stageLine(_ stage: String, _ line: String, error: Bool) {
        emit(prefixStageOutput ? "[\(stage)] \(line)" : line, error: error)
    }

    /// Captured lines (when created with `capture: true`).
    public var captured: [String] { lines.withLock { $0 } }

    private func emit(_ text: String, error: Bool) {
        if capturing {
            lines.withLock { $0.append(text) }
            return
        }
        Output.line(text, to: error ? .err : .out)
    }
}
