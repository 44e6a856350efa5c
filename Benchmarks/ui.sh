#!/usr/bin/env bash
# proj ui's pages on a large history, SQLite against PostgreSQL in the same run: RUNS runs (3 params, 4 metrics
# of STEPS steps each) and one run with a POINTS-point series, logged over MLflow's REST API
# (Benchmarks/tracking/fill_history.py); then the median of 5 fetches of each page: the runs table (newest
# first, one page), sorted by a metric, filtered, a 10-run compare view, and the page of the run with the long
# series (drawn from min/max buckets); and resident memory after.
# Usage: Benchmarks/ui.sh      (RUNS=10000 STEPS=20 POINTS=1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PROJ="$ROOT/.build/release/proj"
RUNS=${RUNS:-10000}; STEPS=${STEPS:-20}; POINTS=${POINTS:-1000000}
swift build -c release >/dev/null
WORK="$ROOT/Benchmarks/work/ui"
rm -rf "$WORK" && mkdir -p "$WORK/sqlite" "$WORK/postgres" "$WORK/pg"
for d in sqlite postgres; do printf 'name: bench\nstages: {}\n' > "$WORK/$d/project.yaml"; done

# A PostgreSQL cluster of its own on a free port (initdb refuses root: run as postgres then).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg"
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U proj --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" -o "-p 18720 -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null

setsid "$PROJ" ui -C "$WORK/sqlite" --port 18721 > "$WORK/sqlite.log" 2>&1 & SQLITE_PID=$!
PROJ_TRACKING_URI=postgres://proj@127.0.0.1:18720/postgres setsid "$PROJ" ui -C "$WORK/postgres" --port 18722 > "$WORK/postgres.log" 2>&1 & PG_PID=$!
trap 'kill -TERM -$SQLITE_PID -$PG_PID 2>/dev/null || true; as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
for port in 18721 18722; do for _ in $(seq 500); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.02; done; done

rss() { echo "scale=1; $(awk '/VmRSS/ {print $2}' "/proc/$1/status") / 1024" | bc; }
# median of 5 fetches of URL, in milliseconds
median_ms() {
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done | sort -n | sed -n 3p | awk '{printf "%.0f", $1 * 1000}'
}
row() {
  local name=$1 port=$2 pid=$3 fill
  fill=$(python3 Benchmarks/tracking/fill_history.py "http://127.0.0.1:$port" "$RUNS" "$STEPS" "$POINTS")
  local field; field() { echo "$fill" | python3 -c "import json,sys; v=json.load(sys.stdin)['$1']; print('&'.join('run='+i for i in v) if isinstance(v, list) else v)"; }
  local base="http://127.0.0.1:$port"
  echo "| $name | $(field fill_s) s | $(median_ms "$base/") | $(median_ms "$base/?sort=metrics.val_loss&order=asc") | $(median_ms "$base/?filter=metrics.val_loss%20%3C%200.1%20AND%20params.layers%20%3D%20%273%27") | $(median_ms "$base/compare?$(field ten)") | $(median_ms "$base/runs/$(field long)") | $(rss "$pid") MiB |"
}
echo "| history | filled in | runs table (50 newest of $RUNS) ms | sorted by a metric ms | filtered ms | 10-run compare ms | run with a $POINTS-point series ms | RSS after |"
echo "|---|---|---|---|---|---|---|---|"
row "SQLite (.proj/tracking.db)" 18721 "$SQLITE_PID"
row "PostgreSQL 15 (loopback)" 18722 "$PG_PID"
