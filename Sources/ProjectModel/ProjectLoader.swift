import Foundation
import YAML

/// Reads project.yaml and params.yaml into a validated `Project`.
public struct ProjectLoader {
    public static let projectFile = "project.yaml"
    public static let paramsFile = "params.yaml"

    static let topKeys = ["name", "version", "vars", "stages", "bundle"]
    static let stageKeys = ["cmd", "deps", "code", "params", "outs", "metrics", "plots", "wdir", "env",
                            "frozen", "always_changed", "desc", "foreach", "do",
                            "tools", "sandbox", "network"]
    static let outputOptions = ["cache", "persist"]

    let source: String
    let file: String
    let params: Value
    /// Whether a root-relative path exists on disk (dependency check).
    let exists: (String) -> Bool

    /// Parses both texts (params may be absent) and validates the result.
    public static func parse(
        project: String, params paramsText: String?, exists: @escaping (String) -> Bool,
        projectFile: String = projectFile, paramsFile: String = paramsFile
    ) throws(SourceError) -> Project {
        let params = try parseParams(paramsText, file: paramsFile)
        let loader = ProjectLoader(source: project, file: projectFile, params: params, exists: exists)
        return try loader.load(paramsFile: paramsFile)
    }

    /// Parses params.yaml text: a mapping, or nothing.
    public static func parseParams(_ text: String?, file: String = paramsFile) throws(SourceError) -> Value {
        guard let text, let root = try YAMLParser.parse(text, file: file) else { return .map([]) }
        guard root.mapping != nil else {
            throw SourceError(file: file, mark: root.start, message: "expected a mapping of params, found \(root.kindName)", source: text)
        }
        return root.value
    }

    func error(_ node: Node?, _ message: String) -> SourceError {
        SourceError(file: file, mark: node?.start, message: message, source: source)
    }

    func load(paramsFile: String) throws(SourceError) -> Project {
        guard let root = try YAMLParser.parse(source, file: file) else {
            throw SourceError(file: file, mark: nil, message: "is empty; expected a mapping with 'stages:'")
        }
        guard let pairs = root.mapping else { throw error(root, "expected a mapping with 'stages:', found \(root.kindName)") }
        try checkKeys(pairs, allowed: Self.topKeys, what: "at the top level")

        let name = try string(root["name"], "name") ?? "project"
        let version = try string(root["version"], "version") ?? "0.0.0"
        // `${name}` and `${version}` name the project (a bundle stage's out is bundles/${name}-${version}.tar); vars may not redefine them.
        var context: [Value.Entry] = [Value.Entry("name", .string(name)), Value.Entry("version", .string(version))]
        if let vars = root["vars"] {
            guard let varPairs = vars.mapping else { throw error(vars, "'vars' must be a mapping, found \(vars.kindName)") }
            for pair in varPairs {
                let key = pair.key.scalar?.text ?? ""
                guard key != "name", key != "version" else { throw error(pair.key, "'\(key)' is the project's own \(key); a var cannot redefine it") }
                context.append(Value.Entry(key, pair.value.value))
            }
        }
        context.append(Value.Entry("params", params))
        let template = Template(context: .map(context))

        guard let stagesNode = root["stages"] else { throw error(root, "missing 'stages:'; expected a mapping of stage names to definitions") }
        guard let stagePairs = stagesNode.mapping else { throw error(stagesNode, "'stages' must be a mapping of stage names, found \(stagesNode.kindName)") }

        var stages: [Stage] = []
        for pair in stagePairs {
            let stageName = pair.key.scalar?.text ?? ""
            try checkName(stageName, pair.key)
            stages += try expand(stageName, pair.value, template)
        }
        var seen: Set<String> = []
        for stage in stages where !seen.insert(stage.name).inserted {
            throw SourceError(file: file, mark: stage.mark, message: "two stages are named '\(stage.name)'", source: source)
        }
        try checkOutputs(stages)
        let project = try Project(name: name, version: version, stages: stages, params: params, bundle: root["bundle"], file: file)
        try checkDeps(stages)
        try checkParams(stages, paramsFile: paramsFile)
        return project
    }

    func checkName(_ name: String, _ node: Node) throws(SourceError) {
        let bad = name.isEmpty || name.contains { $0 == "@" || $0 == "/" || $0 == ":" || $0.isWhitespace }
        if bad { throw error(node, "invalid stage name '\(name)'; use letters, digits, '-', '_' and '.'") }
    }

    func checkKeys(_ pairs: [Node.Pair], allowed: [String], what: String) throws(SourceError) {
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            if !allowed.contains(key) {
                throw error(pair.key, "unknown key '\(key)' \(what)\(Suggestion.hint(for: key, in: allowed))")
            }
        }
    }

    func string(_ node: Node?, _ what: String) throws(SourceError) -> String? {
        guard let node else { return nil }
        guard let s = node.scalar else { throw error(node, "'\(what)' must be a string, found \(node.kindName)") }
        return s.text
    }

    /// One stage definition, or its `foreach` items.
    func expand(_ name: String, _ def: Node, _ template: Template) throws(SourceError) -> [Stage] {
        guard let pairs = def.mapping else { throw error(def, "stage '\(name)' must be a mapping of keys like 'cmd' and 'deps', found \(def.kindName)") }
        guard let foreach = def["foreach"] else {
            if let body = def["do"] { throw error(body, "stage '\(name)': 'do' goes with 'foreach'") }
            return [try stage(name, def, template)]
        }
        try checkKeys(pairs, allowed: ["foreach", "do"], what: "in stage '\(name)' (a foreach stage has only 'foreach' and 'do')")
        guard let body = def["do"] else { throw error(def, "stage '\(name)': 'foreach' needs a 'do' mapping") }
        var items: Value = foreach.value
        if let s = foreach.scalar, s.text.hasPrefix("${"), s.text.hasSuffix("}") {
            let key = String(s.text.dropFirst(2).dropLast()).trimmingCharacters(in: .whitespaces)
            guard let v = template.context.lookup(key) else {
                throw error(foreach, "undefined variable '${\(key)}'")
            }
            items = v
        }
        switch items {
        case .list(let list):
            var result: [Stage] = []
            for (i, item) in list.enumerated() {
                let suffix: String
                switch item {
                case .map, .list: suffix = String(i)
                case .string(let s): suffix = s
                default: suffix = item.inlineText
                }
                result.append(try stage("\(name)@\(suffix)", body, template.binding("item", to: item).binding("key", to: .int(i))))
            }
            return result
        case .map(let entries):
            var result: [Stage] = []
            for entry in entries {
                result.append(try stage("\(name)@\(entry.key)", body, template.binding("item", to: entry.value).binding("key", to: .string(entry.key))))
            }
            return result
        default:
            throw error(foreach, "stage '\(name)': 'foreach' must be a list, a mapping or a '${var}' naming one")
        }
    }
}
