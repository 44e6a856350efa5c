import Dispatch
import Fingerprint
import Foundation
import Synchronization

/// What a tool printed: its full text when proj kept it, always its SHA-256.
public struct ToolReading: Sendable, Equatable {
    /// The output with trailing newlines removed, or nil when only its digest is known (a lock that
    /// recorded a long output by digest alone).
    public var text: String?
    /// SHA-256 of the text (what the fingerprint holds).
    public var sha256: String

    /// A reading of `text`.
    public init(text: String) {
        self.text = text
        self.sha256 = Hex.sha256(Array(text.utf8))
    }

    /// A reading known only by its digest.
    public init(sha256: String) {
        self.text = nil
        self.sha256 = sha256
    }

    /// Whether two readings are the same output.
    public static func == (a: ToolReading, b: ToolReading) -> Bool { a.sha256 == b.sha256 }
}

/// Runs the `tools:` commands of stages, each at most once per proj invocation (one `pip freeze` for
/// ten stages), in the project root with proj's own environment.
public final class ToolProbe: Sendable {
    /// How long a tool may run: `PROJ_TOOL_TIMEOUT` seconds, else 120.
    public static let timeout: Double = ProcessInfo.processInfo.environment["PROJ_TOOL_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 120
    /// How much a tool may print before it counts as failed.
    public static let limit = 16 << 20

    let root: String
    private let readings = Mutex<[String: Result<ToolReading, ToolFailure>]>([:])
    /// Held while a tool runs, so that two stages asking for one tool at once run it once.
    private let running = Mutex<Void>(())

    /// A probe running tools in `root`.
    public init(root: String) {
        self.root = root
    }

    /// What `command` prints, run once and remembered.
    public func reading(_ command: String) -> Result<ToolReading, ToolFailure> {
        if let known = readings.withLock({ $0[command] }) { return known }
        return running.withLock { _ in
            if let known = readings.withLock({ $0[command] }) { return known }
            let result = run(command)
            readings.withLock { $0[command] = result }
            return result
        }
    }

    func run(_ command: String) -> Result<ToolReading, ToolFailure> {
        // Foundation starts the tool as the leader of a process group of its own: stopping the group stops
        // whatever the tool started. (A child the tool leaves running keeps it from counting as finished; it
        // is stopped with the rest at the time limit.)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return .failure(.init(command: command, why: "could not start /bin/sh: \(error)")) }
        let group = process.processIdentifier
        let stdout = OutputSink(), stderr = OutputSink()
        let readers = DispatchGroup()
        for (pipe, sink) in [(out, stdout), (err, stderr)] {
            DispatchQueue.global().async(group: readers) {
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    // Past the limit the tool is stopped; its pipe is still drained so that it can exit.
                    if !sink.append(chunk, limit: ToolProbe.limit) { kill(-group, SIGKILL) }
                }
            }
        }
        let deadline = Date().addingTimeInterval(ToolProbe.timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(-group, SIGKILL)
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        kill(-group, SIGKILL)
        readers.wait()
        if timedOut { return .failure(.init(command: command, why: "did not finish in \(ToolProbe.timeout == ToolProbe.timeout.rounded() ? String(Int(ToolProbe.timeout)) : String(ToolProbe.timeout)) s")) }
        if stdout.overflowed || stderr.overflowed { return .failure(.init(command: command, why: "printed more than \(ToolProbe.limit >> 20) MiB")) }
        let errText = String(decoding: stderr.bytes, as: UTF8.self)
        let tail = errText.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exit code \(process.terminationStatus)" : "killed by signal \(process.terminationStatus)"
            return .failure(.init(command: command, why: how + (tail.isEmpty ? "" : ": " + tail)))
        }
        var text = String(decoding: stdout.bytes, as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }
        return .success(ToolReading(text: text))
    }
}

/// A tool command that could not be read.
public struct ToolFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var command: String
    public var why: String

    public var description: String { "tool '\(command)' failed (\(why)); fix the command in its 'tools:' list" }
}

/// What one of a tool's pipes delivered, up to a limit.
final class OutputSink: Sendable {
    private let state = Mutex<(bytes: [UInt8], overflowed: Bool)>(([], false))

    /// Keeps `chunk`; false once more than `limit` bytes arrived in all.
    func append(_ chunk: Data, limit: Int) -> Bool {
        state.withLock {
            let room = limit - $0.bytes.count
            if chunk.count > room { $0.overflowed = true }
            $0.bytes += chunk.prefix(max(0, room))
            return !$0.overflowed
        }
    }

    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var overflowed: Bool { state.withLock { $0.overflowed } }
}
