import ProjectModel

/// Draws the stage graph as text, Mermaid or Graphviz dot.
public enum DagRenderer {
    public enum Format: String, Sendable { case text, mermaid, dot }

    /// The graph of `project` in `format`, stages in dependency order.
    public static func render(_ project: Project, format: Format) -> String {
        let g = project.graph
        var edges: [(String, String)] = []
        for i in g.order { for u in g.upstream[i] { edges.append((g.names[u], g.names[i])) } }
        switch format {
        case .text:
            return g.order.map { i in
                let ups = g.upstream[i].map { g.names[$0] }
                return ups.isEmpty ? g.names[i] : "\(g.names[i]) <- \(ups.joined(separator: ", "))"
            }.joined(separator: "\n") + "\n"
        case .mermaid:
            var out = "flowchart TD\n"
            for (k, i) in g.order.enumerated() { out += "  s\(k)[\"\(g.names[i])\"]\n" }
            let ids = Dictionary(uniqueKeysWithValues: g.order.enumerated().map { (g.names[$0.element], "s\($0.offset)") })
            for (a, b) in edges { out += "  \(ids[a]!) --> \(ids[b]!)\n" }
            return out
        case .dot:
            var out = "digraph pipeline {\n  rankdir=TB;\n"
            for i in g.order { out += "  \"\(g.names[i])\";\n" }
            for (a, b) in edges { out += "  \"\(a)\" -> \"\(b)\";\n" }
            return out + "}\n"
        }
    }
}
