import Foundation
import Testing

/// Every bad project is refused with one located line, exit code 2, and nothing run.
@Suite struct ErrorTests {
    func refused(_ project: String, params: String? = nil, files: [String: String] = [:]) throws -> String {
        var all = files
        all["project.yaml"] = project
        if let params { all["params.yaml"] = params }
        let p = try TempProject(all)
        let r = try p.proj("repro")
        #expect(r.code == 2)
        #expect(r.out == "")
        #expect(!p.exists("lockfiles") && !p.exists("ran"))
        return r.err
    }

    @Test func malformedYAMLShowsLineAndCaret() throws {
        let err = try refused("stages:\n  a:\n    cmd: touch ran\n    deps: [x\n")
        #expect(err.hasPrefix("Error: project.yaml:5:1: did not find expected ',' or ']' while parsing a flow sequence"), "\(err)")
        #expect(err.hasSuffix("^\n"))
    }

    @Test func unknownKey() throws {
        #expect(try refused("stages:\n  a:\n    cmd: touch ran\n    outz: [x]\n")
            == "Error: project.yaml:4:5: unknown key 'outz' in stage 'a' (did you mean 'outs'?)\n      outz: [x]\n      ^\n")
    }

    @Test func cycle() throws {
        let err = try refused("stages:\n  a: {cmd: touch ran, deps: [b.txt], outs: [a.txt]}\n  b: {cmd: touch ran, deps: [a.txt], outs: [b.txt]}\n")
        #expect(err == "Error: project.yaml: cycle between stages: a -> b -> a\n")
    }

    @Test func sameOutTwiceAndNested() throws {
        #expect(try refused("stages:\n  a: {cmd: touch ran, outs: [m.bin]}\n  b: {cmd: touch ran, outs: [m.bin]}\n").hasPrefix(
            "Error: project.yaml:3:30: out 'm.bin' of stage 'b' is already declared by stage 'a' (project.yaml:2:30)"))
        #expect(try refused("stages:\n  a: {cmd: touch ran, outs: [d]}\n  b: {cmd: touch ran, outs: [d/x]}\n").hasPrefix(
            "Error: project.yaml:3:30: out 'd/x' of stage 'b' is inside out 'd' of stage 'a'"))
    }

    @Test func missingDepParamsKeyAndVariable() throws {
        #expect(try refused("stages:\n  a:\n    cmd: touch ran\n    deps: [nope.csv]\n").hasPrefix(
            "Error: project.yaml:4:12: dep 'nope.csv' of stage 'a' does not exist and is not an out of any stage"))
        #expect(try refused("stages:\n  a:\n    cmd: touch ran\n    params: [train.lr]\n", params: "train:\n  depth: 1\n").hasPrefix(
            "Error: project.yaml:4:14: params key 'train.lr' of stage 'a' is not in params.yaml"))
        #expect(try refused("stages:\n  a:\n    cmd: touch ran ${oops}\n").hasPrefix(
            "Error: project.yaml:3:10: undefined variable '${oops}'"))
    }

    @Test func badParamsFileAndBadSetFlag() throws {
        let p = try TempProject(["project.yaml": "stages:\n  a: {cmd: touch ran, params: [x]}\n", "params.yaml": "x: [1\n"])
        var r = try p.proj("repro")
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("Error: params.yaml:2:1:"))
        try p.write("params.yaml", "x: 1\n")
        r = try p.proj("repro", "-S", "y=2")
        #expect(r.code == 2)
        #expect(r.err == "Error: -S y: no such key in params.yaml\n")
        #expect(p.read("params.yaml") == "x: 1\n")
        #expect(!p.exists("ran"))
    }

    @Test func noProjectFile() throws {
        let p = try TempProject(["README": "x"])
        let r = try p.proj("status")
        #expect(r.code == 2)
        #expect(r.err.contains("project.yaml: not found in"))
    }
}

@Suite struct InspectionTests {
    @Test func statusJSONDagParamsAndMetrics() throws {
        var files = pipeline
        files["project.yaml"]! += "\n  score:\n    cmd: 'echo \"{\\\"acc\\\": 0.75, \\\"f1\\\": 0.5}\" > metrics.json'\n    deps: [report.txt]\n    metrics: [metrics.json]\n"
        let p = try TempProject(files)
        var r = try p.proj("status", "--json")
        #expect(r.code == 1)
        #expect(r.out.contains("\"prepare\": [\n      \"no lock\"\n    ]"), "\(r.out)")
        #expect(try p.proj("repro").code == 0)
        r = try p.proj("dag")
        #expect(r.out == "prepare\ntrain <- prepare\nreport <- train\nscore <- report\n")
        r = try p.proj("dag", "--dot")
        #expect(r.out.contains("\"prepare\" -> \"train\";"))
        r = try p.proj("metrics", "show")
        #expect(r.out == "Path          Metric  Value\nmetrics.json  acc     0.75\nmetrics.json  f1      0.5\n")
        try p.write("params.yaml", "prepare:\n  scale: 3\ntrain:\n  depth: 6\n  lr: 0.1\n")
        r = try p.proj("params", "diff")
        #expect(r.out == "Stage    Param          Locked  Workspace\nprepare  prepare.scale  2       3\n")
        r = try p.proj("status")
        #expect(r.code == 1)
        #expect(r.out == "prepare: params prepare.scale: 2 -> 3\n1 of 4 stages stale.\n")
    }

    @Test func metricsDiffAgainstGit() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  score:\n    cmd: cat acc.txt > m.yaml\n    deps: [acc.txt]\n    metrics: [m.yaml]\n",
            "acc.txt": "acc: 0.5\n",
        ])
        #expect(try p.proj("repro").code == 0)
        func git(_ args: String...) throws {
            let g = Process()
            g.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            g.arguments = ["git", "-c", "user.name=t", "-c", "user.email=t@e", "-C", p.root] + args
            g.standardOutput = FileHandle.nullDevice
            g.standardError = FileHandle.nullDevice
            try g.run()
            g.waitUntilExit()
        }
        try git("init", "-q")
        try git("add", "-A")
        try git("commit", "-qm", "one")
        try p.write("acc.txt", "acc: 0.75\n")
        #expect(try p.proj("repro").code == 0)
        var r = try p.proj("metrics", "diff")
        #expect(r.out == "Path    Metric  HEAD  workspace  Change\nm.yaml  acc     0.5   0.75       +0.25\n", "\(r.out)\(r.err)")
        r = try p.proj("metrics", "diff", "nosuchrev")
        #expect(r.code == 1)
        #expect(r.err == "Error: 'nosuchrev' is not a git revision of this repository\n")
    }
}
