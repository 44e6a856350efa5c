import YAML

/// The generated model card (`MODEL_CARD.md`): what the model is, its metrics, its params and
/// the digests of the data it was trained on.
enum ModelCard {
    static let entryName = "MODEL_CARD.md"

    static func render(manifest: Manifest, spec: BundleSpec, files: [BundleFile]) -> String {
        var out = "# \(manifest.name) \(manifest.version)\n\n"
        if let d = spec.description { out += d + "\n\n" }
        out += "- Flavor: \(manifest.flavor)\n- Model: `\(manifest.entry)`\n"
        for f in files where f.name == manifest.entry || f.name.hasPrefix(manifest.entry + "/") {
            out += "  - `\(f.name)`: \(f.size) bytes, sha256 `\(f.sha256)`\n"
        }
        out += "- Built by: \(manifest.provenance["tool"]?.string ?? "proj")\n"
        if !manifest.stale.isEmpty {
            out += "- **Warning:** built from a stale pipeline (stages not up to date: \(manifest.stale.joined(separator: ", ")))\n"
        }
        out += "\n## Input\n\n" + columns(manifest.schema["input"]) + "\n## Output\n\n" + columns(manifest.schema["output"])
        out += "\n## Metrics\n\n" + table(["metric", "value"], manifest.metrics.flattened().map { [$0.key, $0.value.inlineText] })
        out += "\n## Params\n\n" + table(["param", "value"], manifest.params.flattened().map { [$0.key, $0.value.inlineText] })
        var data: [[String]] = []
        if case .map(let stages)? = manifest.provenance["stages"] {
            for stage in stages {
                guard case .map(let deps)? = stage.value["deps"] else { continue }
                for dep in deps {
                    data.append([stage.key, "`\(dep.key)`", dep.value["sha256"]?.string.map { "`\($0)`" } ?? "", dep.value["size"]?.inlineText ?? ""])
                }
            }
        }
        out += "\n## Data\n\n" + table(["stage", "input", "sha256", "bytes"], data)
        return out
    }

    static func columns(_ value: Value?) -> String {
        guard case .list(let items)? = value else { return "(none)\n" }
        return table(["column", "type", "constraints"], items.map { c in
            var constraints: [String] = []
            if let min = c["min"] { constraints.append("min \(min.inlineText)") }
            if let max = c["max"] { constraints.append("max \(max.inlineText)") }
            if let values = c["values"] { constraints.append("one of \(values.inlineText)") }
            if c["nullable"] == .bool(true) { constraints.append("nullable") }
            return [c["name"]?.string ?? "", c["type"]?.string ?? "", constraints.joined(separator: ", ")]
        })
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "(none)\n" }
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        return line(header) + line(header.map { _ in "---" }) + rows.map(line).joined()
    }
}
