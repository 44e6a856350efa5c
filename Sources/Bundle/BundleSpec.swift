import Foundation
import ProjectModel
import YAML

/// The `bundle:` section of project.yaml.
///
/// ```yaml
/// bundle:
///   model: models/model.ubj          # a file or a directory
///   flavor: xgboost                  # xgboost | linear | mlp; default: model.json's `flavor`
///   schema: schema.yaml
///   metrics: [metrics/eval.json]
///   include: [MODEL_CARD.md]         # stored under extra/
///   description: Flags phishing URLs.
///   selftest: {data: data/test.csv, rows: 5}
/// ```
public struct BundleSpec: Sendable, Equatable {
    public var model: String
    public var flavor: String
    public var schema: String
    public var metrics: [String]
    public var include: [String]
    public var description: String?
    public var selftestData: String
    public var selftestRows: Int

    static let keys = ["model", "flavor", "schema", "metrics", "include", "description", "selftest"]

    /// Parses the section; `source` is project.yaml's text, for quoting the line of an error.
    public static func parse(_ node: Node?, source: String, file: String = "project.yaml") throws(SourceError) -> BundleSpec {
        guard let node else {
            throw SourceError(file: file, mark: nil, message: "no `bundle:` section; add one naming model, flavor, schema and selftest data")
        }
        func fail(_ at: Node, _ message: String) -> SourceError { SourceError(file: file, mark: at.start, message: message, source: source) }
        guard let pairs = node.mapping else { throw fail(node, "`bundle` must be a mapping") }
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard keys.contains(key) else { throw fail(pair.key, "unknown key 'bundle.\(key)'\(Suggestion.hint(for: key, in: keys))") }
        }
        func path(_ key: String, in parent: Node, prefix: String = "bundle") throws(SourceError) -> String {
            guard let v = parent[key] else { throw fail(parent, "missing `\(prefix).\(key)`") }
            guard let s = v.value.string, !s.isEmpty else { throw fail(v, "`\(prefix).\(key)` must be a path") }
            guard let normal = Paths.normalize(s), !normal.isEmpty else { throw fail(v, "`\(prefix).\(key)` must stay inside the project") }
            return normal
        }
        func paths(_ key: String) throws(SourceError) -> [String] {
            guard let v = node[key] else { return [] }
            let items = v.sequence ?? [v]
            var result: [String] = []
            for item in items {
                guard let s = item.value.string, !s.isEmpty else { throw fail(item, "`bundle.\(key)` must be a path or a list of paths") }
                guard let normal = Paths.normalize(s), !normal.isEmpty else { throw fail(item, "`bundle.\(key)` must stay inside the project") }
                result.append(normal)
            }
            return result
        }
        // Without `flavor`, the model directory's model.json names it (see `resolvingFlavor`).
        var flavor = ""
        if let flavorNode = node["flavor"] {
            guard let f = flavorNode.value.string, ModelLoaders.flavors.contains(f) else {
                throw fail(flavorNode, "`bundle.flavor` must be one of \(ModelLoaders.flavors.joined(separator: ", "))")
            }
            flavor = f
        }
        guard let selftest = node["selftest"] else {
            throw fail(node, "missing `bundle.selftest`: {data: <CSV with the schema's input columns>, rows: 5}")
        }
        guard selftest.mapping != nil else { throw fail(selftest, "`bundle.selftest` must be a mapping {data: PATH, rows: N}") }
        var rows = 5
        if let r = selftest["rows"] {
            guard case .int(let n) = r.value, (1...1000).contains(n) else { throw fail(r, "`bundle.selftest.rows` must be an integer from 1 to 1000") }
            rows = n
        }
        var description: String?
        if let d = node["description"] {
            guard let s = d.value.string else { throw fail(d, "`bundle.description` must be a string") }
            description = s
        }
        return BundleSpec(model: try path("model", in: node), flavor: flavor, schema: try path("schema", in: node),
                          metrics: try paths("metrics"), include: try paths("include"), description: description,
                          selftestData: try path("data", in: selftest, prefix: "bundle.selftest"), selftestRows: rows)
    }
}

extension BundleSpec {
    /// The spec with its flavor set: as written, or read from `model.json` in the model directory (which
    /// `proj ml train` writes, naming the flavor of the kind its model factory chose).
    func resolvingFlavor(root: String) throws(BundleError) -> BundleSpec {
        guard flavor.isEmpty else { return self }
        let path = root + "/" + model + "/model.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .usage("`bundle.flavor` is not set and \(model) has no model.json naming one: set it to one of \(ModelLoaders.flavors.joined(separator: ", "))")
        }
        guard let node = try? YAMLParser.parse(String(decoding: data, as: UTF8.self), file: path), let f = node.value["flavor"]?.string,
              ModelLoaders.flavors.contains(f) else {
            throw .usage("\(model)/model.json names no flavor this proj knows (\(ModelLoaders.flavors.joined(separator: ", "))): set `bundle.flavor`")
        }
        var spec = self
        spec.flavor = f
        return spec
    }
}
