import Dispatch
import Synchronization

/// Gives the memory a burst of requests took back to the system once the server has gone quiet: request
/// bodies, parsed rows and answers are freed after each request, but glibc keeps the freed pages in its
/// heaps, so a server that once took 64 large requests at a time would stay that size while idle.
/// Every `interval` it looks at how many requests were answered; when some were answered since the last
/// release and none since the previous look, it releases once (`MemoryPolicy.releaseFree`). Under steady
/// load it never runs, and a quiet server is not woken more than once per burst.
final class QuietRelease: Sendable {
    /// The decision, apart from the clock: fed the count of answered requests at each look.
    struct Watch: Sendable {
        private var lastSeen = 0
        private var lastReleased = 0

        /// True when requests were answered since the last release and none since the previous look.
        mutating func look(answered: Int) -> Bool {
            defer { lastSeen = answered }
            guard answered == lastSeen, answered != lastReleased else { return false }
            lastReleased = answered
            return true
        }
    }

    private let watch = Mutex(Watch())
    /// A dispatch source's methods may be called from any thread; the type is not marked Sendable.
    nonisolated(unsafe) private let timer: any DispatchSourceTimer

    /// Starts looking every `interval`; `answered` gives the count of requests answered so far.
    init(interval: DispatchTimeInterval = .seconds(1), answered: @escaping @Sendable () -> Int,
         release: @escaping @Sendable () -> Void = MemoryPolicy.releaseFree) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "proj.serve.quiet-release", qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let count = answered()
            if watch.withLock({ $0.look(answered: count) }) { release() }
        }
        timer.resume()
    }

    /// Stops looking.
    func cancel() { timer.cancel() }
}
