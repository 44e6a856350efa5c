import Fingerprint
import ProjectModel
import YAML

/// Decides whether a stage is stale, and why: a pure function of spec, lock and observation.
public enum Staleness {
    /// The reasons `stage` must run; empty when it is fresh.
    public static func reasons(stage: Stage, lock: Lock?, observed: Observation) -> [Reason] {
        if stage.frozen { return [] }
        guard let lock else { return [.noLock] }
        var reasons: [Reason] = []
        if stage.alwaysChanged { reasons.append(.alwaysChanged) }
        if lock.wdir != stage.wdir { reasons.append(.wdirChanged) }
        let env = Dictionary(stage.env.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        for name in Set(env.keys).union(lock.env.keys).sorted() where env[name] != lock.env[name] {
            reasons.append(.envChanged(name))
        }
        let params = Dictionary(observed.params.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        for key in Set(params.keys).union(lock.params.keys).sorted() {
            switch (lock.params[key], params[key]) {
            case let (old?, new?) where old != new: reasons.append(.paramChanged(key: key, old: old, new: new))
            case (nil, let new?): reasons.append(.paramAdded(key: key, value: new))
            case (_?, nil): reasons.append(.paramRemoved(key: key))
            default: break
            }
        }
        // A command that differs only through a `${params...}` whose change is reported already is not news.
        let paramsExplain = reasons.contains { if case .paramChanged = $0 { return true } else { return false } }
            && stage.cmdTemplate.contains { $0.contains("${params.") }
        if lock.cmd != stage.cmd && !paramsExplain { reasons.insert(.cmdChanged, at: stage.alwaysChanged ? 1 : 0) }
        reasons += tools(observed.tools, lock.tools)
        reasons += inputs("dep", observed.deps, lock.deps)
        reasons += inputs("code", observed.code, lock.code)
        for path in Set(observed.outs.keys).union(lock.outs.keys).sorted() {
            switch (lock.outs[path], observed.outs[path]) {
            case (nil, _): reasons.append(.outAdded(path))
            case (_?, nil): reasons.append(.outRemoved(path))
            case (let recorded?, let seen?):
                guard let seen else { reasons.append(.outMissing(path)); continue }
                if seen.sha256 != recorded.sha256 { reasons.append(.outChanged(path)) }
            }
        }
        if reasons.isEmpty && lock.fingerprint != observed.fingerprint { reasons.append(.definitionChanged) }
        return reasons
    }

    static func tools(_ observed: [String: ToolReading], _ recorded: [String: ToolReading]) -> [Reason] {
        var reasons: [Reason] = []
        for name in Set(observed.keys).union(recorded.keys).sorted() {
            switch (recorded[name], observed[name]) {
            case (nil, let new?): reasons.append(.toolAdded(name: name, value: ToolDifference.summary(new)))
            case (_?, nil): reasons.append(.toolRemoved(name))
            case (let old?, let new?) where old != new: reasons.append(.toolChanged(name: name, detail: ToolDifference.detail(old, new)))
            default: break
            }
        }
        return reasons
    }

    static func inputs(_ kind: String, _ observed: [String: FileDigest?], _ recorded: [String: FileDigest]) -> [Reason] {
        var reasons: [Reason] = []
        for path in Set(observed.keys).union(recorded.keys).sorted() {
            switch (recorded[path], observed[path]) {
            case (nil, _): reasons.append(.inputAdded(kind: kind, path: path))
            case (_?, nil): reasons.append(.inputRemoved(kind: kind, path: path))
            case (let old?, let seen?):
                guard let seen else { reasons.append(.inputMissing(kind: kind, path: path)); continue }
                if seen.sha256 != old.sha256 { reasons.append(.inputChanged(kind: kind, path: path)) }
            }
        }
        return reasons
    }
}
