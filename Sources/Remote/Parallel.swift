import Foundation

/// Runs async work over many items, at most `jobs` at a time, keeping their order; the first error stops it.
public enum Parallel {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], jobs: Int, _ work: @escaping @Sendable (T) async throws(RemoteError) -> R)
        async throws(RemoteError) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        let failure = await withTaskGroup(of: (Int, Result<R, RemoteError>).self) { group -> RemoteError? in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    do throws(RemoteError) { return (i, .success(try await work(items[i]))) } catch { return (i, .failure(error)) }
                }
            }
            while next < min(items.count, max(1, jobs)) { add() }
            while let (i, outcome) = await group.next() {
                switch outcome {
                case .success(let value):
                    results[i] = value
                    if next < items.count && !Task.isCancelled { add() }
                case .failure(let error):
                    group.cancelAll()
                    return error
                }
            }
            return Task.isCancelled ? RemoteError.interrupted : nil
        }
        if let failure { throw failure }
        return results.map { $0! }
    }
}
