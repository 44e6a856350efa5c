import Testing
import YAML
@testable import ProjectModel

/// Loads a project from texts; every path "exists" unless listed in `missing`.
func load(_ project: String, params: String? = nil, missing: Set<String> = []) throws(SourceError) -> Project {
    try ProjectLoader.parse(project: project, params: params, exists: { !missing.contains($0) })
}

func loadError(_ project: String, params: String? = nil, missing: Set<String> = []) -> String {
    do {
        _ = try load(project, params: params, missing: missing)
        return "no error"
    } catch {
        return error.headline
    }
}

@Suite struct LoaderTests {
    @Test func templatesVarsAndParams() throws {
        let p = try load("""
            vars: {data: data/raw}
            stages:
              prep:
                cmd: prep --in ${data}/x.csv --depth ${params.train.depth} --lr ${ params.train.lr }
                deps:
                  - ${data}/x.csv
                outs: ["out/${params.train.depth}.bin"]
                params: [train]
            """, params: "train:\n  depth: 6\n  lr: 0.1\n")
        let s = try #require(p.stage(named: "prep"))
        #expect(s.cmd == ["prep --in data/raw/x.csv --depth 6 --lr 0.1"])
        #expect(s.deps.map(\.path) == ["data/raw/x.csv"])
        #expect(s.outs.map(\.path) == ["out/6.bin"])
        #expect(p.paramValues(for: s).map(\.key) == ["train.depth", "train.lr"])
    }

    @Test func foreachOverListAndMap() throws {
        let p = try load("""
            vars:
              sizes: {small: {n: 10}, large: {n: 1000}}
            stages:
              gen:
                foreach: [a, b]
                do:
                  cmd: gen ${item} ${key}
                  outs: ["gen/${item}.txt"]
              train:
                foreach: ${sizes}
                do:
                  cmd: train --n ${item.n}
                  outs:
                    - models/${key}.bin
            """)
        #expect(p.stages.map(\.name) == ["gen@a", "gen@b", "train@small", "train@large"])
        #expect(p.stage(named: "gen@b")?.cmd == ["gen b 1"])
        #expect(p.stage(named: "train@large")?.cmd == ["train --n 1000"])
        #expect(p.stage(named: "train@small")?.outs.first?.path == "models/small.bin")
    }

    @Test func wdirMakesPathsRootRelative() throws {
        let p = try load("stages:\n  s:\n    wdir: sub\n    cmd: x\n    deps: [../a.txt, b.txt]\n    outs: [c/../d.txt]\n")
        let s = try #require(p.stage(named: "s"))
        #expect(s.deps.map(\.path) == ["a.txt", "sub/b.txt"])
        #expect(s.outs.map(\.path) == ["sub/d.txt"])
    }

    @Test func unknownKeySuggestsTheRightOne() {
        #expect(loadError("stages:\n  train:\n    cmd: x\n    dep: [a]\n")
            == "project.yaml:4:5: unknown key 'dep' in stage 'train' (did you mean 'deps'?)")
        #expect(loadError("stage:\n  train:\n    cmd: x\n")
            == "project.yaml:1:1: unknown key 'stage' at the top level (did you mean 'stages'?)")
    }

    @Test func cycleNamesEveryStage() {
        let text = """
            stages:
              a:
                cmd: x
                deps: [c.txt]
                outs: [a.txt]
              b:
                cmd: x
                deps: [a.txt]
                outs: [b.txt]
              c:
                cmd: x
                deps: [b.txt]
                outs: [c.txt]
            """
        #expect(loadError(text) == "project.yaml: cycle between stages: a -> b -> c -> a")
    }

    @Test func duplicateAndNestedOuts() {
        #expect(loadError("stages:\n  a:\n    cmd: x\n    outs: [m.bin]\n  b:\n    cmd: y\n    outs: [m.bin]\n")
            == "project.yaml:7:12: out 'm.bin' of stage 'b' is already declared by stage 'a' (project.yaml:4:12)")
        #expect(loadError("stages:\n  a:\n    cmd: x\n    outs: [data]\n  b:\n    cmd: y\n    outs: [data/x.csv]\n")
            == "project.yaml:7:12: out 'data/x.csv' of stage 'b' is inside out 'data' of stage 'a'")
    }

    @Test func missingDepAndParamsAndVariable() {
        #expect(loadError("stages:\n  a:\n    cmd: x\n    deps: [data/x.csv]\n", missing: ["data/x.csv"])
            == "project.yaml:4:12: dep 'data/x.csv' of stage 'a' does not exist and is not an out of any stage")
        #expect(loadError("stages:\n  a:\n    cmd: x\n    params: [train.max_dept]\n", params: "train:\n  max_depth: 3\n")
            == "project.yaml:4:14: params key 'train.max_dept' of stage 'a' is not in params.yaml (did you mean 'train.max_depth'?)")
        #expect(loadError("stages:\n  a:\n    cmd: run ${model}\n")
            == "project.yaml:3:10: undefined variable '${model}'")
    }

    @Test func depProducedByAnotherStageNeedNotExist() throws {
        let p = try load("stages:\n  a:\n    cmd: x\n    outs: [d]\n  b:\n    cmd: y\n    deps: [d/part.csv]\n", missing: ["d", "d/part.csv"])
        #expect(p.graph.upstream[1] == [0])
    }

    @Test func graphOrderPutsDependenciesFirst() throws {
        let p = try load("""
            stages:
              train: {cmd: t, deps: [feat.csv], outs: [model.bin]}
              featurize: {cmd: f, deps: [raw.csv], outs: [feat.csv]}
              report: {cmd: r, deps: [model.bin, feat.csv], outs: [report.md]}
            """)
        #expect(p.graph.order.map { p.stages[$0].name } == ["featurize", "train", "report"])
        #expect(p.graph.closure(downstreamOf: [1]) == [0, 1, 2])
        #expect(p.graph.closure(upstreamOf: [0]) == [0, 1])
    }

    @Test func typeErrorsAreLocated() {
        #expect(loadError("stages:\n  a:\n    cmd: x\n    deps: a.csv\n")
            == "project.yaml:4:11: stage 'a': 'deps' must be a list of paths, found a scalar")
        #expect(loadError("stages:\n  a:\n    deps: [x]\n") == "project.yaml:3:5: stage 'a' has no 'cmd'")
        #expect(loadError("stages:\n  a:\n    cmd: x\n    outs: [../../etc/passwd]\n")
            == "project.yaml:4:12: stage 'a': outs path '../../etc/passwd' is outside the project")
        #expect(loadError("stages:\n  a:\n    cmd: x\n    frozen: maybe\n") == "project.yaml:4:13: stage 'a': 'frozen' must be true or false")
    }
}
