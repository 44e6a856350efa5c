import YAML

extension ProjectLoader {
    /// Builds one stage from its definition, rendering every string through `template`.
    func stage(_ name: String, _ def: Node, _ template: Template) throws(SourceError) -> Stage {
        guard let pairs = def.mapping else { throw error(def, "stage '\(name)' must be a mapping, found \(def.kindName)") }
        try checkKeys(pairs, allowed: Self.stageKeys.filter { $0 != "foreach" && $0 != "do" }, what: "in stage '\(name)'")
        func text(_ node: Node, _ what: String) throws(SourceError) -> String {
            guard let s = node.scalar else { throw error(node, "stage '\(name)': \(what) must be a string, found \(node.kindName)") }
            return try template.render(s.text, file: file, mark: node.start, source: source)
        }

        guard let cmdNode = def["cmd"] else { throw error(def, "stage '\(name)' has no 'cmd'") }
        var cmd: [String] = []
        if let items = cmdNode.sequence {
            for item in items { cmd.append(try text(item, "each 'cmd' entry")) }
        } else {
            cmd = [try text(cmdNode, "'cmd'")]
        }
        if cmd.isEmpty || cmd.allSatisfy({ $0.isEmpty }) { throw error(cmdNode, "stage '\(name)': 'cmd' is empty") }

        var wdir = ""
        if let node = def["wdir"] {
            let raw = try text(node, "'wdir'")
            guard let normalized = Paths.normalize(raw) else { throw error(node, "stage '\(name)': wdir '\(raw)' is outside the project") }
            wdir = normalized
        }

        func paths(_ key: String) throws(SourceError) -> [(ref: PathRef, options: Node?)] {
            guard let node = def[key] else { return [] }
            guard let items = node.sequence else { throw error(node, "stage '\(name)': '\(key)' must be a list of paths, found \(node.kindName)") }
            var result: [(ref: PathRef, options: Node?)] = []
            for item in items {
                var pathNode = item
                var options: Node?
                if let map = item.mapping, map.count == 1 {
                    pathNode = map[0].key
                    options = map[0].value
                }
                let raw = try text(pathNode, "each '\(key)' entry")
                guard !raw.isEmpty, let path = Paths.normalize(raw, wdir: wdir), !path.isEmpty else {
                    throw error(pathNode, "stage '\(name)': \(key) path '\(raw)' is outside the project")
                }
                result.append((PathRef(path: path, mark: pathNode.start), options))
            }
            return result
        }

        var outs: [Output] = []
        for (key, kind, cacheDefault) in [("outs", Output.Kind.out, true), ("metrics", .metric, true), ("plots", .plot, true)] {
            for (ref, options) in try paths(key) {
                var output = Output(ref: ref, kind: kind, cache: cacheDefault)
                if let options {
                    guard let optionPairs = options.mapping else { throw error(options, "stage '\(name)': options of '\(ref.path)' must be a mapping like {cache: false}") }
                    try checkKeys(optionPairs, allowed: Self.outputOptions, what: "for \(key) '\(ref.path)' of stage '\(name)'")
                    output.cache = try bool(options["cache"], "cache", name) ?? output.cache
                    output.persist = try bool(options["persist"], "persist", name) ?? output.persist
                }
                outs.append(output)
            }
        }

        var params: [ParamRef] = []
        if let node = def["params"] {
            guard let items = node.sequence else { throw error(node, "stage '\(name)': 'params' must be a list of params.yaml keys, found \(node.kindName)") }
            for item in items { params.append(ParamRef(key: try text(item, "each 'params' entry"), mark: item.start)) }
        }

        var env: [(name: String, value: String)] = []
        if let node = def["env"] {
            guard let pairs = node.mapping else { throw error(node, "stage '\(name)': 'env' must be a mapping of variable names to values, found \(node.kindName)") }
            for pair in pairs {
                let key = pair.key.scalar?.text ?? ""
                env.append((key, try text(pair.value, "env '\(key)'")))
            }
            env.sort { $0.name < $1.name }
        }

        var tools: [String] = []
        if let node = def["tools"] {
            guard let items = node.sequence else { throw error(node, "stage '\(name)': 'tools' must be a list of commands, found \(node.kindName)") }
            for item in items {
                let command = try text(item, "each 'tools' entry")
                guard !command.allSatisfy(\.isWhitespace) else { throw error(item, "stage '\(name)': a 'tools' command is empty") }
                guard !command.unicodeScalars.contains(where: { $0 == "\0" || $0 == "\n" || $0 == "\r" }) else {
                    throw error(item, "stage '\(name)': a 'tools' command must be one line")
                }
                if !tools.contains(command) { tools.append(command) }
            }
        }

        var result = Stage(
            name: name, cmd: cmd,
            deps: try paths("deps").map(\.ref), code: try paths("code").map(\.ref), params: params,
            outs: outs, wdir: wdir, env: env,
            frozen: try bool(def["frozen"], "frozen", name) ?? false,
            alwaysChanged: try bool(def["always_changed"], "always_changed", name) ?? false,
            mark: def.start
        )
        result.tools = tools
        result.sandbox = try bool(def["sandbox"], "sandbox", name)
        result.network = try bool(def["network"], "network", name) ?? false
        result.cmdTemplate = cmdNode.sequence?.compactMap { $0.scalar?.text } ?? [cmdNode.scalar?.text ?? ""]
        return result
    }

    func bool(_ node: Node?, _ key: String, _ stage: String) throws(SourceError) -> Bool? {
        guard let node else { return nil }
        guard let s = node.scalar, case .bool(let b) = Value.resolve(s) else {
            throw error(node, "stage '\(stage)': '\(key)' must be true or false")
        }
        return b
    }
}
