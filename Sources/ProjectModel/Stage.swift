import YAML

/// A path named in a stage (dep, code, out, metric or plot), relative to the project root.
public struct PathRef: Sendable, Hashable {
    /// Normalised, root-relative path (`data/x.csv`).
    public var path: String
    /// Where it was written in project.yaml.
    public var mark: Mark?

    /// Creates a reference.
    public init(path: String, mark: Mark? = nil) {
        self.path = path
        self.mark = mark
    }
}

/// Something a stage produces: a cached out, a metric or a plot.
public struct Output: Sendable, Hashable {
    /// Which list of the stage declared it.
    public enum Kind: String, Sendable {
        case out, metric, plot
    }

    public var ref: PathRef
    public var kind: Kind
    /// Whether the file is stored in `.proj/cache` (default true).
    public var cache: Bool
    /// Whether the out is kept (not removed) before the stage runs.
    public var persist: Bool

    /// The root-relative path.
    public var path: String { ref.path }

    /// Creates an output.
    public init(ref: PathRef, kind: Kind, cache: Bool = true, persist: Bool = false) {
        self.ref = ref
        self.kind = kind
        self.cache = cache
        self.persist = persist
    }
}

/// A params key a stage depends on: a leaf (`train.max_depth`) or a subtree (`train`).
public struct ParamRef: Sendable, Hashable {
    public var key: String
    public var mark: Mark?

    /// Creates a reference.
    public init(key: String, mark: Mark? = nil) {
        self.key = key
        self.mark = mark
    }
}

/// One stage of the pipeline, after templating and `foreach` expansion.
public struct Stage: Sendable {
    /// `train`, or `train@small` for a `foreach` item.
    public var name: String
    /// Commands run in order with `/bin/sh -c`; the stage fails at the first non-zero exit.
    public var cmd: [String]
    /// `cmd` as written, before `${...}` substitution.
    public var cmdTemplate: [String]
    public var deps: [PathRef]
    public var code: [PathRef]
    public var params: [ParamRef]
    public var outs: [Output]
    /// Working directory for the command, relative to the project root ("" for the root).
    public var wdir: String
    /// Extra environment for the command, sorted by name.
    public var env: [(name: String, value: String)]
    /// A frozen stage is never re-run.
    public var frozen: Bool
    /// An always-changed stage is stale on every repro.
    public var alwaysChanged: Bool
    /// Commands whose output is part of the fingerprint (`python3 --version`), in the order written.
    public var tools: [String] = []
    /// `sandbox:` as written: true or false, nil to follow `proj repro --sandbox`.
    public var sandbox: Bool?
    /// Whether a sandboxed command may use the network.
    public var network = false
    /// Where the stage was declared in project.yaml.
    public var mark: Mark?

    /// Creates a stage.
    public init(
        name: String, cmd: [String], deps: [PathRef] = [], code: [PathRef] = [], params: [ParamRef] = [],
        outs: [Output] = [], wdir: String = "", env: [(name: String, value: String)] = [],
        frozen: Bool = false, alwaysChanged: Bool = false, mark: Mark? = nil
    ) {
        self.name = name
        self.cmd = cmd
        self.cmdTemplate = cmd
        self.deps = deps
        self.code = code
        self.params = params
        self.outs = outs
        self.wdir = wdir
        self.env = env
        self.frozen = frozen
        self.alwaysChanged = alwaysChanged
        self.mark = mark
    }

    /// Every path the stage reads: deps, then code.
    public var inputs: [PathRef] { deps + code }
}
