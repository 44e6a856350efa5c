import Dispatch
@testable import Serve
import Synchronization
import Testing

/// The arrival-order queue on real threads: jobs start in the order they came, a full queue refuses at once
/// with a Retry-After, and closing finishes what was queued and refuses the rest. Jobs are queued from the
/// test's own thread (no task has to be scheduled first, so a busy test run cannot reorder them).
@Suite struct PredictionQueueTests {
    /// A gate a job waits at until the test opens it.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        func wait() { semaphore.wait() }
        func open() { semaphore.signal() }
        /// Waits up to 30 s; false on timeout.
        func wait(seconds: Int) -> Bool { semaphore.wait(timeout: .now() + .seconds(seconds)) == .success }
    }

    /// Numbers appended from several threads.
    final class Record: Sendable {
        private let items = Mutex<[Int]>([])
        func append(_ k: Int) { items.withLock { $0.append(k) } }
        var all: [Int] { items.withLock { $0 } }
    }

    @Test func jobsStartInArrivalOrderAndAFullQueueRefusesAtOnce() throws {
        let queue = PredictionQueue(workers: 1, capacity: 3)
        defer { queue.close() }
        let gate = Gate(), started = Gate(), done = Gate()
        let order = Record()
        // The one worker is held by job 0; jobs 1-3 wait behind it in the order they were queued.
        #expect(queue.enqueue { started.open(); gate.wait(); order.append(0) } == nil)
        #expect(started.wait(seconds: 30), "the worker never took job 0")
        for k in 1...3 {
            #expect(queue.enqueue { order.append(k); if k == 3 { done.open() } } == nil)
            #expect(queue.waiting == k)
        }
        // A fourth waiter is one too many: refused without waiting, with a time to come back.
        let refusal = try #require(queue.enqueue { Issue.record("a refused job ran") })
        #expect(refusal.status == .serviceUnavailable && (refusal.retryAfter ?? 0) >= 1)
        #expect(refusal.message.hasPrefix("the server is busy: 3 large requests are waiting (--queue 3); retry after "), "\(refusal.message)")
        gate.open()
        #expect(done.wait(seconds: 30), "the queued jobs did not run")
        #expect(order.all == [0, 1, 2, 3])
        // Room again: the next job runs.
        let again = Gate()
        #expect(queue.enqueue { again.open() } == nil)
        #expect(again.wait(seconds: 30))
    }

    @Test func closingFinishesQueuedJobsAndRefusesNewOnes() throws {
        let queue = PredictionQueue(workers: 2, capacity: 8)
        let gate = Gate(), finished = Gate()
        let done = Record()
        for _ in 0..<5 { #expect(queue.enqueue { gate.wait(); done.append(1); finished.open() } == nil) }
        queue.close()
        #expect(queue.enqueue { Issue.record("ran after close") } == ClientError(.serviceUnavailable, "the server is stopping"))
        for _ in 0..<5 { gate.open() }
        for _ in 0..<5 { #expect(finished.wait(seconds: 30)) }
        #expect(done.all.count == 5)
    }

    @Test func aJobsResultAndErrorReachItsCaller() async throws {
        let queue = PredictionQueue(workers: 1, capacity: 1)
        defer { queue.close() }
        #expect(try await queue.run { 42 } == 42)
        await #expect(throws: ClientError("bad row")) { try await queue.run { () throws -> Int in throw ClientError("bad row") } }
    }
}
