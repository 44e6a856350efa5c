import YAML

/// A loaded, validated project: its stages in declaration order and the params they read.
public struct Project: Sendable {
    /// The project's name (`name:`), used for bundles.
    public var name: String
    /// The bundle version (`version:`).
    public var version: String
    /// Stages in declaration order (foreach items in item order).
    public var stages: [Stage]
    /// The whole of params.yaml (an empty map when the file is absent).
    public var params: Value
    /// The `bundle:` section, kept as written for the bundle layer.
    public var bundle: Node?
    /// Dependency edges between stages.
    public var graph: StageGraph

    /// Creates a project and computes its graph (throws on a cycle).
    public init(name: String, version: String, stages: [Stage], params: Value, bundle: Node?, file: String = "project.yaml") throws(SourceError) {
        self.name = name
        self.version = version
        self.stages = stages
        self.params = params
        self.bundle = bundle
        self.graph = try StageGraph(stages: stages, file: file)
    }

    /// The stage called `name`.
    public func stage(named name: String) -> Stage? {
        graph.index[name].map { stages[$0] }
    }

    /// The flattened params values a stage depends on, keyed by dotted path.
    public func paramValues(for stage: Stage) -> [(key: String, value: Value)] {
        var result: [(key: String, value: Value)] = []
        for ref in stage.params {
            guard let value = params.lookup(ref.key) else { continue }
            result.append(contentsOf: value.flattened(prefix: ref.key))
        }
        var seen = Set<String>()
        return result.filter { seen.insert($0.key).inserted }.sorted { $0.key < $1.key }
    }
}
