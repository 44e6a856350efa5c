# Apache Airflow DAG for the proj pipeline phishing-detector 0.10.0: one task per stage.
# Written by `proj export airflow` from project.yaml at commit abababababababababababababababababababab; edit project.yaml, not this
# file, and write it again with:
#   proj export airflow --remote storage --tracking postgres://proj@db.example.org:5432/proj -o dags/phishing-detector.py
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

REPOSITORY = "https://git.example.org/ml/proj.git"
REVISION = "abababababababababababababababababababab"
PROJECT_DIR = "."
REMOTE = "storage"  # None: the project's default remote
TRACKING = "postgres://proj@db.example.org:5432/proj"  # None: runs are kept only in the worker's clone, which is removed

# One script for every task; what differs comes in its environment. The names are read from variables,
# never pasted into the script, so no stage name can change what the shell runs.
SCRIPT = r"""
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
"""


def stage_task(task_id, stage, upstream, push_bundles=False):
    env = {
        "PROJ_REPOSITORY": REPOSITORY,
        "PROJ_REVISION": REVISION,
        "PROJ_PROJECT_DIR": PROJECT_DIR,
        "PROJ_REMOTE": REMOTE or "",
        "PROJ_TRACKING": TRACKING or "",
        "PROJ_STAGE": stage,
        "PROJ_UPSTREAM": "\n".join(upstream),
        "PROJ_PUSH_BUNDLES": "1" if push_bundles else "",
    }
    return BashOperator(task_id=task_id, bash_command=SCRIPT, env=env, append_env=True)


with DAG(
    dag_id="phishing-detector",
    description="proj pipeline phishing-detector 0.10.0",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["proj"],
) as dag:
    tasks = {}
    tasks["ingest"] = stage_task("ingest", "ingest", [])
    tasks["validate"] = stage_task("validate", "validate", ["ingest"])
    tasks["transform"] = stage_task("transform", "transform", ["ingest", "validate"])
    tasks["train"] = stage_task("train", "train", ["ingest", "validate", "transform"])
    tasks["evaluate"] = stage_task("evaluate", "evaluate", ["ingest", "validate", "transform", "train"])
    tasks["bundle"] = stage_task("bundle", "bundle", ["ingest", "validate", "transform", "train", "evaluate"], push_bundles=True)

    tasks["ingest"] >> tasks["validate"]
    tasks["ingest"] >> tasks["transform"]
    tasks["validate"] >> tasks["transform"]
    tasks["ingest"] >> tasks["train"]
    tasks["transform"] >> tasks["train"]
    tasks["ingest"] >> tasks["evaluate"]
    tasks["train"] >> tasks["evaluate"]
    tasks["ingest"] >> tasks["bundle"]
    tasks["train"] >> tasks["bundle"]
    tasks["evaluate"] >> tasks["bundle"]
