import YAML

/// Which stages feed which: stage B depends on stage A when one of B's deps or code paths
/// is, contains, or lies inside one of A's outs.
public struct StageGraph: Sendable {
    /// Stage names in declaration order.
    public let names: [String]
    /// Name -> position in `names`.
    public let index: [String: Int]
    /// For each stage, the stages it depends on (sorted positions).
    public let upstream: [[Int]]
    /// For each stage, the stages that depend on it (sorted positions).
    public let downstream: [[Int]]
    /// All stages, dependencies first; ties keep declaration order.
    public let order: [Int]

    /// Builds the graph; throws naming every stage of a cycle.
    public init(stages: [Stage], file: String = "project.yaml") throws(SourceError) {
        names = stages.map(\.name)
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        self.index = index

        var producers: [String: Int] = [:]
        for (i, stage) in stages.enumerated() {
            for out in stage.outs { producers[out.path] = i }
        }
        var consumers: [String: [Int]] = [:]
        for (i, stage) in stages.enumerated() {
            for input in stage.inputs { consumers[input.path, default: []].append(i) }
        }
        var up = Array(repeating: Set<Int>(), count: stages.count)
        for (i, stage) in stages.enumerated() {
            for input in stage.inputs {
                for prefix in StageGraph.selfAndAncestors(input.path) {
                    if let p = producers[prefix] { up[i].insert(p) }
                }
            }
            for out in stage.outs {
                for prefix in StageGraph.selfAndAncestors(out.path).dropFirst() {
                    for c in consumers[prefix] ?? [] { up[c].insert(i) }
                }
            }
        }
        upstream = up.map { $0.sorted() }
        var down = Array(repeating: [Int](), count: stages.count)
        for (i, ups) in upstream.enumerated() { for u in ups { down[u].append(i) } }
        downstream = down.map { $0.sorted() }
        order = try StageGraph.topologicalOrder(upstream: upstream, names: names, file: file)
    }

    /// `a/b/c` -> [`a/b/c`, `a/b`, `a`].
    static func selfAndAncestors(_ path: String) -> [String] {
        var result = [path]
        var current = Substring(path)
        while let slash = current.lastIndex(of: "/") {
            current = current[..<slash]
            result.append(String(current))
        }
        return result
    }

    /// Depth-first post-order over declaration order, which yields dependencies first.
    static func topologicalOrder(upstream: [[Int]], names: [String], file: String) throws(SourceError) -> [Int] {
        var state = Array(repeating: 0, count: upstream.count) // 0 new, 1 on stack, 2 done
        var order: [Int] = []
        order.reserveCapacity(upstream.count)
        for root in upstream.indices where state[root] == 0 {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            state[root] = 1
            while let top = stack.last {
                let ups = upstream[top.node]
                if top.next < ups.count {
                    stack[stack.count - 1].next += 1
                    let u = ups[top.next]
                    if state[u] == 1 {
                        let path = stack.map(\.node)
                        let cycle = path[path.lastIndex(of: u)!...].map { names[$0] }
                        let text = ([names[u]] + cycle.reversed()).joined(separator: " -> ")
                        throw SourceError(file: file, mark: nil, message: "cycle between stages: \(text)")
                    }
                    if state[u] == 0 {
                        state[u] = 1
                        stack.append((u, 0))
                    }
                } else {
                    state[top.node] = 2
                    order.append(top.node)
                    stack.removeLast()
                }
            }
        }
        return order
    }

    /// `roots` and every stage they (transitively) depend on.
    public func closure(upstreamOf roots: [Int]) -> Set<Int> { walk(roots, upstream) }

    /// `roots` and every stage that (transitively) depends on them.
    public func closure(downstreamOf roots: [Int]) -> Set<Int> { walk(roots, downstream) }

    private func walk(_ roots: [Int], _ edges: [[Int]]) -> Set<Int> {
        var seen = Set(roots)
        var queue = roots
        while let n = queue.popLast() {
            for m in edges[n] where seen.insert(m).inserted { queue.append(m) }
        }
        return seen
    }
}
