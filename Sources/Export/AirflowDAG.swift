import ProjectModel

/// `proj export airflow`: the pipeline as an Apache Airflow DAG file, one task per stage (foreach items
/// too), its dependencies the stage graph's. Each task works in a fresh clone of the repository at a
/// pinned commit, as a worker on another machine would, and shares only the remote (and the tracking
/// store): it restores the outs upstream of its stage from the remote's run-cache, reproduces its stage
/// (restored from the remote's run-cache when it was computed before, else run), and pushes the outs
/// and the run-cache entry. The text is deterministic: the same project and options give the same bytes.
public struct AirflowDAG: Sendable {
    /// What the DAG pins and where its tasks look.
    public struct Options: Sendable {
        /// The DAG's id (letters, digits, `_`, `-`, `.`).
        public var dagID: String
        /// What `git clone` takes: a URL or a path every worker can reach.
        public var repository: String
        /// The commit every task checks out (40 hex digits).
        public var revision: String
        /// The project's directory inside the repository, "" for its root.
        public var directory: String
        /// The remote every task pulls from and pushes to; nil for the project's default remote.
        public var remote: String?
        /// The tracking store the runs are recorded in (`postgres://...` when the workers are several machines).
        public var tracking: String?
        /// The command that writes this file again, for its header.
        public var regenerate: String

        public init(dagID: String, repository: String, revision: String, directory: String, remote: String?, tracking: String?, regenerate: String) {
            self.dagID = dagID
            self.repository = repository
            self.revision = revision
            self.directory = directory
            self.remote = remote
            self.tracking = tracking
            self.regenerate = regenerate
        }
    }

    let project: Project
    let options: Options

    public init(project: Project, options: Options) {
        self.project = project
        self.options = options
    }

    /// Whether Airflow takes `c` in a DAG or task id: ASCII letters, digits, `_`, `-` and `.`.
    public static func isIDCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "_-.".contains(c))
    }

    /// A DAG id for a project name: its letters, digits, `_`, `-` and `.`, others as `_`.
    public static func dagID(for name: String) -> String {
        let id = String(name.map { isIDCharacter($0) ? $0 : "_" })
        return id.isEmpty ? "proj" : id
    }

    /// Airflow task ids for the stages, in declaration order: the stage name with `@` (a foreach item) as
    /// `__` and other characters Airflow refuses as `_`, numbered when two would coincide.
    static func taskIDs(_ names: [String]) -> [String] {
        var taken: Set<String> = [], ids: [String] = []
        for name in names {
            let base = String(name.replacingOccurrences(of: "@", with: "__").map { isIDCharacter($0) ? $0 : "_" }.prefix(200))
            var id = base, n = 2
            while taken.contains(id) { id = "\(base)_\(n)"; n += 1 }
            taken.insert(id)
            ids.append(id)
        }
        return ids
    }

    /// The DAG file's text.
    public var text: String {
        let graph = project.graph
        let ids = AirflowDAG.taskIDs(graph.names)
        var out = """
            # Apache Airflow DAG for the proj pipeline \(Python.comment(project.name)) \(Python.comment(project.version)): one task per stage.
            # Written by `proj export airflow` from project.yaml at commit \(options.revision); edit project.yaml, not this
            # file, and write it again with:
            #   \(Python.comment(options.regenerate))
            #
            # Every task runs as a worker on its own machine would: in a fresh clone of the repository at that commit,
            # sharing only the remote and the tracking store. It restores the outs of the stages upstream of its stage
            # from the remote's run-cache (`proj repro UPSTREAM...`; a stage with an out that is not cached cannot be
            # restored and runs again there), reproduces its stage (`proj repro -s`: restored from the remote's
            # run-cache when it was computed before, otherwise run), and pushes the outs and the run-cache entry
            # (`proj push`); a stage that runs `proj bundle` also pushes the bundles it built (`proj bundle push`),
            # so that any machine can `proj bundle pull` them. A second run of the DAG therefore runs no stage whose
            # outs are all cached. A failing stage fails its task and the tasks downstream of it, with the stage's
            # reason and the tail of its stderr in the task's log.
            #
            # Workers need git, proj on PATH (the release binary and the Debian packages it needs: see the README,
            # "When one machine is not enough") and the remote's credentials in their environment (for S3:
            # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). PROJ_WORK_DIR sets where the clones go (default: TMPDIR).
            # Works with Airflow 2.4+ and 3.x.
            from datetime import datetime

            try:  # Airflow 3
                from airflow.sdk import DAG
            except ImportError:  # Airflow 2
                from airflow import DAG
            try:  # Airflow 3, and Airflow 2 with the standard provider
                from airflow.providers.standard.operators.bash import BashOperator
            except ImportError:
                from airflow.operators.bash import BashOperator

            REPOSITORY = \(Python.string(options.repository))
            REVISION = \(Python.string(options.revision))
            PROJECT_DIR = \(Python.string(options.directory.isEmpty ? "." : options.directory))
            REMOTE = \(options.remote.map(Python.string) ?? "None")  # None: the project's default remote
            TRACKING = \(options.tracking.map(Python.string) ?? "None")  # None: runs are kept only in the worker's clone, which is removed

            # One script for every task; what differs comes in its environment. The names are read from variables,
            # never pasted into the script, so no stage name can change what the shell runs.
            SCRIPT = r\"\"\"
            set -euo pipefail
            work="$(mktemp -d "${PROJ_WORK_DIR:-${TMPDIR:-/tmp}}/proj-task-XXXXXXXX")"
            trap 'rm -rf "$work"' EXIT
            git clone --quiet --no-checkout "$PROJ_REPOSITORY" "$work/repo"
            if ! git -C "$work/repo" cat-file -e "$PROJ_REVISION^{commit}" 2>/dev/null; then
                echo "proj: commit $PROJ_REVISION is not in $PROJ_REPOSITORY: push it there, then run the DAG again" >&2
                exit 1
            fi
            git -C "$work/repo" -c advice.detachedHead=false checkout --quiet "$PROJ_REVISION"
            cd "$work/repo/$PROJ_PROJECT_DIR"
            remote=()
            if [ -n "${PROJ_REMOTE:-}" ]; then remote=(-r "$PROJ_REMOTE"); fi
            tracking=()
            if [ -n "${PROJ_TRACKING:-}" ]; then tracking=(--tracking "$PROJ_TRACKING"); fi
            if [ -n "$PROJ_UPSTREAM" ]; then
                mapfile -t upstream <<< "$PROJ_UPSTREAM"
                echo "proj: the stages upstream of $PROJ_STAGE, from the remote's run-cache: ${upstream[*]}"
                proj repro "${remote[@]}" "${upstream[@]}"
            fi
            proj repro -s "${remote[@]}" "${tracking[@]}" "$PROJ_STAGE"
            proj push "${remote[@]}" "$PROJ_STAGE"
            if [ -n "$PROJ_PUSH_BUNDLES" ]; then
                shopt -s nullglob
                for bundle in bundles/*.tar bundles/*.tar.zst; do proj bundle push "$bundle" ${PROJ_REMOTE:+"$PROJ_REMOTE"}; done
            fi
            \"\"\"


            def stage_task(task_id, stage, upstream, push_bundles=False):
                env = {
                    "PROJ_REPOSITORY": REPOSITORY,
                    "PROJ_REVISION": REVISION,
                    "PROJ_PROJECT_DIR": PROJECT_DIR,
                    "PROJ_REMOTE": REMOTE or "",
                    "PROJ_TRACKING": TRACKING or "",
                    "PROJ_STAGE": stage,
                    "PROJ_UPSTREAM": "\\n".join(upstream),
                    "PROJ_PUSH_BUNDLES": "1" if push_bundles else "",
                }
                return BashOperator(task_id=task_id, bash_command=SCRIPT, env=env, append_env=True)


            with DAG(
                dag_id=\(Python.string(options.dagID)),
                description=\(Python.string("proj pipeline \(project.name) \(project.version)")),
                schedule=None,
                start_date=datetime(2024, 1, 1),
                catchup=False,
                tags=["proj"],
            ) as dag:
                tasks = {}

            """
        // Tasks in run order, each with the stages upstream of it; then the graph's edges.
        for i in graph.order {
            let ups = AirflowDAG.upstreamClosure(graph, of: i).map { graph.names[$0] }
            let bundles = project.stages[i].runsProjBundle ? ", push_bundles=True" : ""
            out += "    tasks[\(Python.string(ids[i]))] = stage_task(\(Python.string(ids[i])), \(Python.string(graph.names[i])), [\(ups.map(Python.string).joined(separator: ", "))]\(bundles))\n"
        }
        let edges = graph.order.flatMap { i in graph.upstream[i].map { (ids[$0], ids[i]) } }
        if !edges.isEmpty { out += "\n" }
        for (from, to) in edges { out += "    tasks[\(Python.string(from))] >> tasks[\(Python.string(to))]\n" }
        return out
    }

    /// Every stage upstream of `i`, in run order: what its task restores before reproducing it.
    static func upstreamClosure(_ graph: StageGraph, of i: Int) -> [Int] {
        let upstream = graph.closure(upstreamOf: [i])
        return graph.order.filter { $0 != i && upstream.contains($0) }
    }
}

/// Python literals and comments for generated source.
enum Python {
    /// A double-quoted string literal with every character that is not printable ASCII escaped.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value <= 0xFF ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    : scalar.value <= 0xFFFF ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return out + "\""
    }

    /// Text safe inside a `#` comment: one line, printable.
    static func comment(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value >= 0x20 && $0.value != 0x7F && $0.value < 0x80 ? Character($0) : "?" })
    }
}
