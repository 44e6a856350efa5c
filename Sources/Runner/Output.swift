import Fingerprint
import Synchronization

/// proj's standard output and standard error, written with write(2), never through a buffer that could
/// drop an error. The first failed write (no space left, a closed pipe) is remembered, the stream is not
/// written again, and the command ends with that failure named on the other stream and a non-zero exit
/// (`Output.failure`, read by the CLI's error funnel).
public enum Output {
    /// One of the two streams.
    public enum Stream: Sendable {
        case out, err

        var fd: Int32 { self == .out ? 1 : 2 }
        /// How the stream is named in messages.
        public var name: String { self == .out ? "standard output" : "standard error" }
    }

    /// A write that failed: the stream and the errno text.
    public struct Failure: Sendable, CustomStringConvertible {
        public var stream: Stream
        public var reason: String
        public var description: String { "cannot write to \(stream.name): \(reason)" }
    }

    private static let state = Mutex<(failure: Failure?, failed: Set<Int32>)>((nil, []))

    /// The first write that failed, if any.
    public static var failure: Failure? { state.withLock { $0.failure } }

    /// Writes `text` to `stream` whole (lines from several threads never interleave mid-line).
    public static func write(_ text: String, to stream: Stream = .out) {
        state.withLock { s in
            guard !s.failed.contains(stream.fd) else { return }
            guard !FileSystem.writeAll(stream.fd, Array(text.utf8)[...]) else { return }
            s.failed.insert(stream.fd)
            if s.failure == nil { s.failure = Failure(stream: stream, reason: FileSystem.errorText()) }
        }
    }

    /// Writes `text` and a newline to `stream`.
    public static func line(_ text: String, to stream: Stream = .out) {
        write(text + "\n", to: stream)
    }
}
