import YAML

extension ProjectLoader {
    /// No two stages declare the same out, and no out lies inside another.
    func checkOutputs(_ stages: [Stage]) throws(SourceError) {
        var owners: [String: (stage: String, mark: Mark?)] = [:]
        for stage in stages {
            for out in stage.outs {
                if let owner = owners[out.path] {
                    let at = owner.mark.map { " (\(file):\($0))" } ?? ""
                    let whose = owner.stage == stage.name ? "it" : "stage '\(owner.stage)'"
                    throw SourceError(file: file, mark: out.ref.mark, message: "out '\(out.path)' of stage '\(stage.name)' is already declared by \(whose)\(at)", source: source)
                }
                owners[out.path] = (stage.name, out.ref.mark)
            }
        }
        for stage in stages {
            for out in stage.outs {
                for ancestor in StageGraph.selfAndAncestors(out.path).dropFirst() {
                    if let owner = owners[ancestor] {
                        throw SourceError(file: file, mark: out.ref.mark, message: "out '\(out.path)' of stage '\(stage.name)' is inside out '\(ancestor)' of stage '\(owner.stage)'", source: source)
                    }
                }
            }
        }
    }

    /// Every dep and code path exists on disk or is produced by some stage.
    func checkDeps(_ stages: [Stage]) throws(SourceError) {
        var produced = Set<String>()
        for stage in stages { for out in stage.outs { produced.insert(out.path) } }
        for stage in stages {
            for input in stage.inputs {
                let covered = StageGraph.selfAndAncestors(input.path).contains(where: produced.contains)
                    || produced.contains { Paths.isWithin($0, input.path) }
                if !covered && !exists(input.path) {
                    let kind = stage.code.contains(input) ? "code" : "dep"
                    throw SourceError(file: file, mark: input.mark, message: "\(kind) '\(input.path)' of stage '\(stage.name)' does not exist and is not an out of any stage", source: source)
                }
            }
        }
    }

    /// Every params key a stage names exists in params.yaml.
    func checkParams(_ stages: [Stage], paramsFile: String) throws(SourceError) {
        let known = params.flattened().map(\.key)
        for stage in stages {
            for ref in stage.params where params.lookup(ref.key) == nil {
                throw SourceError(file: file, mark: ref.mark, message: "params key '\(ref.key)' of stage '\(stage.name)' is not in \(paramsFile)\(Suggestion.hint(for: ref.key, in: known))", source: source)
            }
        }
    }
}
