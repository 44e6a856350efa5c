import Fingerprint
import Foundation
import ProjectModel
import Testing
import YAML
@testable import Runner

var digestA: FileDigest { FileDigest(sha256: String(repeating: "a", count: 64), size: 1) }
var digestB: FileDigest { FileDigest(sha256: String(repeating: "b", count: 64), size: 2) }

func observation(deps: [String: FileDigest?] = ["in.csv": digestA], outs: [String: FileDigest?] = ["out.bin": digestB],
                 params: [(key: String, value: Value)] = [("train.depth", .int(6))], stage: Stage) -> Observation {
    Observation(deps: deps, code: [:], outs: outs, params: params,
                fingerprint: Observation.fingerprint(of: stage, deps: deps, code: [:], params: params))
}

var trainStage: Stage {
    Stage(name: "train", cmd: ["train"], deps: [PathRef(path: "in.csv")], params: [ParamRef(key: "train")],
                       outs: [Output(ref: PathRef(path: "out.bin"), kind: .out)])
}

@Suite struct StalenessTests {
    @Test func freshWhenNothingChanged() {
        let seen = observation(stage: trainStage)
        let lock = seen.lock(for: trainStage, outs: ["out.bin": digestB])
        #expect(Staleness.reasons(stage: trainStage, lock: lock, observed: seen).isEmpty)
    }

    @Test func reasonsNameWhatChanged() {
        let lock = observation(stage: trainStage).lock(for: trainStage, outs: ["out.bin": digestB])
        let now = observation(deps: ["in.csv": digestB], outs: ["out.bin": nil], params: [("train.depth", .int(8))], stage: trainStage)
        let reasons = Staleness.reasons(stage: trainStage, lock: lock, observed: now).map(\.description)
        #expect(reasons == ["params train.depth: 6 -> 8", "dep in.csv changed", "out out.bin missing"])
        #expect(Staleness.reasons(stage: trainStage, lock: nil, observed: now) == [.noLock])
        var frozen = trainStage
        frozen.frozen = true
        #expect(Staleness.reasons(stage: frozen, lock: nil, observed: now).isEmpty)
    }

    @Test func alteredOutAndCommandChange() {
        let lock = observation(stage: trainStage).lock(for: trainStage, outs: ["out.bin": digestB])
        var changed = trainStage
        changed.cmd = ["train --fast"]
        let now = observation(outs: ["out.bin": digestA], stage: changed)
        #expect(Staleness.reasons(stage: changed, lock: lock, observed: now).map(\.description) == ["cmd changed", "out out.bin changed"])
    }
}

@Suite struct LockTests {
    @Test func yamlIsSortedStableAndRoundTrips() throws {
        let lock = Lock(stage: "train", fingerprint: "f00", cmd: ["python train.py"], env: ["SEED": "1"],
                        deps: ["data/b.csv": digestB, "data/a.csv": digestA],
                        outs: ["models": FileDigest(sha256: digestA.sha256, size: 10, files: 2)],
                        params: ["train.lr": .double(0.1), "train.depth": .int(6)])
        let text = lock.yaml
        #expect(text == """
            cmd: python train.py
            code: {}
            deps:
              data/a.csv: {sha256: \(digestA.sha256), size: 1}
              data/b.csv: {sha256: \(digestB.sha256), size: 2}
            env:
              SEED: "1"
            fingerprint: f00
            outs:
              models: {files: 2, sha256: \(digestA.sha256), size: 10}
            params:
              train.depth: 6
              train.lr: 0.1
            stage: train

            """)
        #expect(try Lock.parse(text, file: "train.lock") == lock)
        #expect(try Lock.parse(text, file: "train.lock").yaml == text)
    }

    @Test func corruptLockIsAnError() {
        #expect(throws: SourceError.self) { try Lock.parse("stage: [", file: "x.lock") }
        #expect(throws: SourceError.self) { try Lock.parse("cmd: x\n", file: "x.lock") }
    }
}

@Suite struct ParamsEditorTests {
    @Test func setKeepsCommentsAndLayout() throws {
        let text = "# tuning\ntrain:\n  max_depth: 6   # depth\n  lr: 0.1\n"
        #expect(try ParamsEditor.set("train.max_depth", to: "8", in: text, file: "params.yaml")
            == "# tuning\ntrain:\n  max_depth: 8   # depth\n  lr: 0.1\n")
        #expect(try ParamsEditor.set("train.lr", to: "hello world", in: text, file: "params.yaml").contains("lr: hello world"))
    }

    @Test func unknownKeyIsRefused() {
        do {
            _ = try ParamsEditor.set("train.max_dept", to: "8", in: "train:\n  max_depth: 6\n", file: "params.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "-S train.max_dept: no such key in params.yaml (did you mean 'train.max_depth'?)")
        }
    }
}
