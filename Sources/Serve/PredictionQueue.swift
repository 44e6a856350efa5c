import Foundation
import Synchronization

/// Large prediction requests, run in the order they arrived on a fixed set of worker threads, with a bound
/// on how many may wait. An event loop that read such a request hands it here and goes back to its sockets,
/// so under load every request waits behind the ones that came before it, not behind whichever connection
/// its event loop happens to read next; when `capacity` are already waiting, a new one is refused at once
/// (503 with Retry-After) instead of waiting many times as long as the others.
final class PredictionQueue: Sendable {
    struct State {
        /// Jobs in arrival order; those before `head` were taken (set to nil, so nothing they hold is kept).
        var jobs: [(@Sendable () -> Void)?] = []
        var head = 0
        var closed = false
        /// Seconds a job took, smoothed: the basis of Retry-After.
        var serviceSeconds = 0.01
        var waiting: Int { jobs.count - head }
    }

    let workers: Int
    let capacity: Int
    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    init(workers: Int, capacity: Int) {
        self.workers = max(1, workers)
        self.capacity = max(1, capacity)
        for k in 0..<self.workers {
            let thread = Thread { [self] in work() }
            thread.name = "proj-predict-\(k)"
            thread.start()
        }
    }

    /// Jobs queued and not yet started.
    var waiting: Int { state.withLock { $0.waiting } }

    /// Runs `body` on a worker once the jobs queued before it have started; throws `full` when `capacity` jobs
    /// are already waiting.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: @Sendable () -> Void = { continuation.resume(with: Result { try body() }) }
            if let refusal = enqueue(job) { continuation.resume(throwing: refusal) }
        }
    }

    /// Queues `job`, or says why not.
    func enqueue(_ job: @escaping @Sendable () -> Void) -> ClientError? {
        let refusal: ClientError? = state.withLock { s in
            guard !s.closed else { return ClientError(.serviceUnavailable, "the server is stopping") }
            guard s.waiting < capacity else {
                let seconds = Int((Double(s.waiting) * s.serviceSeconds / Double(workers)).rounded(.up))
                return ClientError(.serviceUnavailable, "the server is busy: \(s.waiting) large requests are waiting (--queue \(capacity)); retry after \(max(1, seconds)) s",
                                   retryAfter: max(1, seconds))
            }
            s.jobs.append(job)
            return nil
        }
        if refusal == nil { ready.signal() }
        return refusal
    }

    private func work() {
        while true {
            ready.wait()
            let next: (job: (@Sendable () -> Void)?, closed: Bool) = state.withLock { s in
                guard s.head < s.jobs.count else { return (nil, s.closed) }
                let job = s.jobs[s.head]
                s.jobs[s.head] = nil
                s.head += 1
                // Drop the taken prefix now and then, so the array does not grow for ever.
                if s.head > 64, s.head * 2 > s.jobs.count {
                    s.jobs.removeFirst(s.head)
                    s.head = 0
                }
                return (job, false)
            }
            guard let job = next.job else {
                if next.closed { return }
                continue
            }
            let start = ContinuousClock.now
            job()
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.withLock { $0.serviceSeconds = 0.8 * $0.serviceSeconds + 0.2 * seconds }
        }
    }

    /// Lets the workers finish the jobs queued and end; later jobs are refused.
    func close() {
        state.withLock { $0.closed = true }
        // Each worker takes one signal to end once the queue is empty; the queued jobs have theirs.
        for _ in 0..<workers { ready.signal() }
    }
}
