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
