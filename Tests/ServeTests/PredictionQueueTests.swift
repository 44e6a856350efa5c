import Foundation
@testable import Serve
import Synchronization
import Testing

/// The arrival-order queue on real threads: jobs start in the order they came, a full queue refuses at once
/// with a Retry-After, and closing finishes what was queued and refuses the rest.
@Suite struct PredictionQueueTests {
    /// A gate a job waits at until the test opens it.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        func wait() { semaphore.wait() }
        func open() { semaphore.signal() }
    }

    /// Numbers appended from several threads.
    final class Record: Sendable {
        private let items = Mutex<[Int]>([])
        func append(_ k: Int) { items.withLock { $0.append(k) } }
        var all: [Int] { items.withLock { $0 } }
    }

    /// Waits (up to 10 s) until `condition` holds.
    func eventually(_ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            if Date() > deadline { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    @Test func jobsStartInArrivalOrderAndAFullQueueRefusesAtOnce() async throws {
        let queue = PredictionQueue(workers: 1, capacity: 3)
        defer { queue.close() }
        let gate = Gate()
        let order = Record()
        // The one worker is held by job 0; jobs 1-3 queue behind it, each queued before the next is sent.
        let first = Task { @Sendable in try await queue.run { gate.wait(); order.append(0) } }
        #expect(await eventually { queue.waiting == 0 } )
        var tasks: [Task<Void, any Error>] = []
        for k in 1...3 {
            tasks.append(Task { @Sendable in try await queue.run { order.append(k) } })
            #expect(await eventually { queue.waiting == k }, "job \(k) was not queued")
        }
        // A fourth waiter is one too many: refused without waiting, with a time to come back.
        do {
            try await queue.run { Issue.record("a refused job ran") }
            Issue.record("a full queue took a job")
        } catch let error as ClientError {
            #expect(error.status == .serviceUnavailable && (error.retryAfter ?? 0) >= 1)
            #expect(error.message.hasPrefix("the server is busy: 3 large requests are waiting (--queue 3); retry after "), "\(error.message)")
        }
        gate.open()
        try await first.value
        for task in tasks { try await task.value }
        #expect(order.all == [0, 1, 2, 3])
        // Room again: the next job runs.
        #expect(try await queue.run { 42 } == 42)
    }

    @Test func closingFinishesQueuedJobsAndRefusesNewOnes() async throws {
        let queue = PredictionQueue(workers: 2, capacity: 8)
        let gate = Gate()
        let done = Record()
        var tasks: [Task<Void, any Error>] = []
        for _ in 0..<5 { tasks.append(Task { @Sendable in try await queue.run { gate.wait(); done.append(1) } }) }
        #expect(await eventually { queue.waiting == 3 })
        queue.close()
        for _ in 0..<5 { gate.open() }
        for task in tasks { try await task.value }
        #expect(done.all.count == 5)
        await #expect(throws: ClientError(.serviceUnavailable, "the server is stopping")) { try await queue.run { 1 } }
    }

    @Test func aJobsErrorReachesItsCaller() async {
        let queue = PredictionQueue(workers: 1, capacity: 1)
        defer { queue.close() }
        await #expect(throws: ClientError("bad row")) { try await queue.run { () throws -> Int in throw ClientError("bad row") } }
    }
}
