#!/usr/bin/env bash
# `proj ui` against `mlflow server` (SQLite backend), in the same run, through the same mlflow client
# (Benchmarks/tracking/log_runs.py): logging runs of 4 metrics x STEPS steps with one log_batch per step,
# then search_runs over every run and a 10-run comparison (4 metric histories each), on a history of
# TABLE_RUNS runs; plus time from start to the first answer, and resident memory.
# MLflow logs MLFLOW_RUNS runs (it needs seconds per run; the figure is per point, so it compares).
# Usage: Benchmarks/tracking.sh      (PROJ_RUNS=50 MLFLOW_RUNS=5 STEPS=100 TABLE_RUNS=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PROJ="$ROOT/.build/release/proj"
PROJ_RUNS=${PROJ_RUNS:-50}; MLFLOW_RUNS=${MLFLOW_RUNS:-5}; STEPS=${STEPS:-100}; TABLE_RUNS=${TABLE_RUNS:-1000}
swift build -c release >/dev/null
VENV="$ROOT/Benchmarks/.venv-mlflow"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q mlflow
WORK="$ROOT/Benchmarks/work/tracking"
rm -rf "$WORK" && mkdir -p "$WORK/proj" "$WORK/mlflow"
printf 'name: bench\nstages: {}\n' > "$WORK/proj/project.yaml"
now() { date +%s.%N; }
# ready URL START: seconds until URL answers
ready() { for _ in $(seq 6000); do if curl -sf -o /dev/null "$1"; then echo "$(now) - $2" | bc -l | xargs printf '%.3f'; return; fi; sleep 0.01; done; echo timeout; }
rss() { local total=0; for p in $(pgrep -g "$(ps -o pgid= "$1" | tr -d ' ')"); do total=$((total + $(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo "scale=1; $total / 1024" | bc; }

s=$(now); setsid "$PROJ" ui -C "$WORK/proj" --port 18710 > "$WORK/proj.log" 2>&1 & PROJ_PID=$!
PROJ_READY=$(ready http://127.0.0.1:18710/health "$s")
s=$(now); setsid "$VENV/bin/mlflow" server --backend-store-uri "sqlite:///$WORK/mlflow/mlflow.db" --default-artifact-root "$WORK/mlflow/artifacts" \
  --host 127.0.0.1 --port 18711 > "$WORK/mlflow.log" 2>&1 & MLFLOW_PID=$!
trap 'kill -TERM -$PROJ_PID -$MLFLOW_PID 2>/dev/null || true' EXIT
MLFLOW_READY=$(ready http://127.0.0.1:18711/health "$s")

PROJ_LOG=$("$VENV/bin/python" Benchmarks/tracking/log_runs.py http://127.0.0.1:18710 logging "$PROJ_RUNS" "$STEPS")
MLFLOW_LOG=$("$VENV/bin/python" Benchmarks/tracking/log_runs.py http://127.0.0.1:18711 logging "$MLFLOW_RUNS" "$STEPS")
# A history of TABLE_RUNS runs (each run's points in one batch), then the reads over it.
PROJ_TABLE=$("$VENV/bin/python" Benchmarks/tracking/log_runs.py http://127.0.0.1:18710 table "$TABLE_RUNS" "$STEPS" --bulk)
MLFLOW_TABLE=$("$VENV/bin/python" Benchmarks/tracking/log_runs.py http://127.0.0.1:18711 table "$TABLE_RUNS" "$STEPS" --bulk)
PROJ_RSS=$(rss $PROJ_PID); MLFLOW_RSS=$(rss $MLFLOW_PID)

field() { echo "$1" | tail -n 1 | "$VENV/bin/python" -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
echo "| server | ready after start | logging: runs x 4 metrics x $STEPS steps | points/s (one log_batch per step) | search_runs of $TABLE_RUNS runs | 10-run comparison | RSS after |"
echo "|---|---|---|---|---|---|---|"
echo "| proj ui | ${PROJ_READY} s | $(field "$PROJ_LOG" runs) runs in $(field "$PROJ_LOG" logging_s) s | $(field "$PROJ_LOG" points_per_s) | $(field "$PROJ_TABLE" search_all_s) s ($(field "$PROJ_TABLE" listed) runs) | $(field "$PROJ_TABLE" compare_10_s) s | ${PROJ_RSS} MiB |"
echo "| mlflow server (SQLite) | ${MLFLOW_READY} s | $(field "$MLFLOW_LOG" runs) runs in $(field "$MLFLOW_LOG" logging_s) s | $(field "$MLFLOW_LOG" points_per_s) | $(field "$MLFLOW_TABLE" search_all_s) s ($(field "$MLFLOW_TABLE" listed) runs) | $(field "$MLFLOW_TABLE" compare_10_s) s | ${MLFLOW_RSS} MiB |"
