import Dispatch
import Synchronization

/// Runs independent jobs on every core and keeps their results in job order, so a parallel step gives the
/// same output as a serial one.
enum Parallel {
    static func map<T: Sendable, E: Error>(_ count: Int, _ job: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
        let results = Mutex([Result<T, E>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { k in
            let r: Result<T, E>
            do throws(E) { r = .success(try job(k)) } catch { r = .failure(error) }
            results.withLock { $0[k] = r }
        }
        var out: [T] = []
        for r in results.withLock({ $0 }) { out.append(try r!.get()) }
        return out
    }
}

/// A job started on another thread at once; `wait()` gives its result (or throws its error).
final class BackgroundJob<T: Sendable>: Sendable {
    private let group = DispatchGroup()
    private let result = Mutex<Result<T, any Error>?>(nil)

    init(_ job: @escaping @Sendable () throws -> T) {
        DispatchQueue.global().async(group: group) {
            let r = Result { try job() }
            self.result.withLock { $0 = r }
        }
    }

    func wait() throws -> T {
        group.wait()
        return try result.withLock { $0! }.get()
    }
}
