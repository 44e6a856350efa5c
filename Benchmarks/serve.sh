#!/usr/bin/env bash
# `proj serve` against `mlflow models serve --env-manager local` and BentoML, in the same run, serving the
# same XGBoost model (trained by `proj ml train` on the 87-feature phishing table; the Python servers load
# its booster and fitted imputer/scaler and apply them the same way, see serve/detector.py). Each server is
# loaded by wrk (2 threads; 1 for one connection, as wrk needs a connection per thread) at 1, 16 and 64
# connections for DURATION seconds, with single-row and 1000-row requests. Also measured: time from start
# to the first answer of its readiness route, and resident memory (the whole process tree): once ready,
# after the single-row runs, and its peak (VmHWM) after the 1000-row runs. Between runs the script waits
# SETTLE seconds, so requests the last run left queued are done before the next one starts.
# Then the same for the model users ship for raw URLs: the flagship's bundle (this checkout's pipeline, run
# here) against a scikit-learn TF-IDF + logistic regression pipeline served by MLflow and BentoML (see
# serve/url_models.py), with single-URL and 1000-URL requests.
# Last, proj's URL bundle against its numeric one with single-row requests, both servers up at once and
# their runs interleaved (ROUNDS rounds of PAIR_DURATION-second runs, each route and load numeric then URL,
# the order swapped every round), so that each ratio compares runs seconds apart; it prints each cell's
# medians over the rounds.
# Prints markdown tables. The answers to the same 1000 rows are compared first.
# Usage: Benchmarks/serve.sh          (DURATION=10, SETTLE=5, ROUNDS=7 and PAIR_DURATION=4 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PROJ="$ROOT/.build/release/proj"
DURATION=${DURATION:-10}
SETTLE=${SETTLE:-5}
ROUNDS=${ROUNDS:-7}
PAIR_DURATION=${PAIR_DURATION:-4}
DATA="$(cd "$ROOT/.." && pwd)/shared/data"
HERE="$ROOT/Benchmarks/serve"
WORK="$ROOT/Benchmarks/work/serve"
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update >/dev/null && apt-get install -y curl >/dev/null; }
swift build -c release >/tmp/proj-serve-bench-build.log 2>&1 || { cat /tmp/proj-serve-bench-build.log; exit 1; }

# venv DIR PACKAGES...: a Python venv with the packages (MLflow and BentoML pin different versions of
# their shared dependencies, so each has its own).
venv() {
  local dir="$ROOT/Benchmarks/$1"; shift
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/pip" install -q "$@"
}
venv .venv-mlflow mlflow xgboost pandas scikit-learn
venv .venv-bentoml bentoml xgboost pandas scikit-learn
MLFLOW_PY="$ROOT/Benchmarks/.venv-mlflow/bin"
BENTO_PY="$ROOT/Benchmarks/.venv-bentoml/bin"

# The model: proj's own pipeline on the 87-feature table, ending in a verified bundle.
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
export PROJ_CONFIG_DIR="$WORK/.config"
cat > project.yaml <<YAML
name: phishing-features
version: 1.0.0
stages:
  split:
    cmd: proj ml split --input $DATA/phishing-url-train.csv --target status --test-fraction 0.2 --seed 42 --train data/train.csv --test data/test.csv
    outs: [data/train.csv, data/test.csv]
  train:
    cmd: >-
      proj ml train --input data/train.csv --target status --positive phishing --negative legitimate --exclude url
      --models xgboost --rounds 300 --subsample 0.9 --seed 7 --model models/model --schema models/schema.yaml --plots plots/curve.csv
    deps: [data/train.csv]
    outs: [models/model, models/schema.yaml]
    plots: [plots/curve.csv]
bundle:
  model: models/model
  flavor: xgboost
  schema: models/schema.yaml
  selftest: {data: data/test.csv, rows: 4}
YAML
PATH="$(dirname "$PROJ"):$PATH" "$PROJ" repro >/dev/null
"$PROJ" bundle >/dev/null
BUNDLE="$WORK/bundles/phishing-features-1.0.0.tar"
"$MLFLOW_PY/python" "$HERE/bodies.py" data/test.csv models/model bodies
"$MLFLOW_PY/python" "$HERE/mlflow_model.py" "$WORK/models/model" "$WORK/mlflow-model" 2>/dev/null

PORT_PROJ=18300 PORT_MLFLOW=18301 PORT_BENTO=18302
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -- -"$p" 2>/dev/null || true; done; }
trap cleanup EXIT

now() { date +%s.%N; }
# ready URL START: seconds from START until URL first answers 2xx (polled every 10 ms, up to 120 s)
ready() {
  for _ in $(seq 12000); do
    if curl -sf -o /dev/null "$1"; then echo "$(now) - $2" | bc -l | xargs printf '%.3f'; return; fi
    sleep 0.01
  done
  echo "never"; return 1
}
# tree_kib PID FIELD: FIELD (VmRSS or VmHWM) summed over PID and all its descendants, in KiB
tree_kib() {
  local pids=("$1") all=() kib=0
  while [ ${#pids[@]} -gt 0 ]; do
    all+=("${pids[@]}")
    local next=()
    for p in "${pids[@]}"; do next+=($(pgrep -P "$p" || true)); done
    pids=("${next[@]}")
  done
  for p in "${all[@]}"; do kib=$((kib + $(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
  echo "$kib"
}
# start NAME READY-URL COMMAND...: starts the server in its own process group; sets START_S and SERVER_PID
start() {
  local name=$1 url=$2; shift 2
  local s; s=$(now)
  setsid "$@" > "$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  START_S=$(ready "$url" "$s")
}
stop() { kill -TERM -- -"$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }

# load NAME URL BODY-PREFIX ROWS: the wrk runs against one route; rows to $WORK/results.txt
load() {
  local name=$1 url=$2 body=$3 rows=$4
  for c in 1 16 64; do
    echo "$name $rows $c $(run "$url" "$body-$rows.json" $c)" >> "$WORK/results.txt"
    sleep "$SETTLE"
  done
}
# run URL BODY CONNECTIONS [SECONDS]: one wrk run (DURATION seconds unless given); prints requests/s, p50 ms,
# p99 ms, non-2xx, socket errors
run() {
  local t=2; [ "$3" = 1 ] && t=1
  BODY="$WORK/bodies/$2" wrk -t$t -c"$3" -d"${4:-$DURATION}s" --timeout 30s -s "$HERE/wrk.lua" "$1" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}

: > "$WORK/results.txt"
: > "$WORK/servers.txt"
post() { curl -sf -H 'Content-Type: application/json' --data-binary @"$WORK/bodies/$2" "$1" > "$WORK/$3"; }
# measure NAME ROUTE... (pairs of label, url, body prefix): single-row runs, memory, 1000-row runs, memory
measure() {
  local name=$1; shift
  local idle; idle=$(tree_kib "$SERVER_PID" VmRSS)
  local args=("$@")
  for ((k = 0; k < ${#args[@]}; k += 3)); do load "${args[k]}" "${args[k+1]}" "${args[k+2]}" 1; done
  local single; single=$(tree_kib "$SERVER_PID" VmRSS)
  for ((k = 0; k < ${#args[@]}; k += 3)); do load "${args[k]}" "${args[k+1]}" "${args[k+2]}" 1000; done
  echo "$name $START_S $idle $single $(tree_kib "$SERVER_PID" VmRSS) $(tree_kib "$SERVER_PID" VmHWM)" >> "$WORK/servers.txt"
}

start proj "http://127.0.0.1:$PORT_PROJ/v2/health/ready" "$PROJ" serve "$BUNDLE" --port $PORT_PROJ
post "http://127.0.0.1:$PORT_PROJ/v1/predict" instances-1000.json answer-proj.json
measure proj "proj(/v1/predict)" "http://127.0.0.1:$PORT_PROJ/v1/predict" instances \
  "proj(/invocations)" "http://127.0.0.1:$PORT_PROJ/invocations" split
stop

start mlflow "http://127.0.0.1:$PORT_MLFLOW/ping" env PATH="$MLFLOW_PY:$PATH" mlflow models serve -m "$WORK/mlflow-model" --env-manager local -h 127.0.0.1 -p $PORT_MLFLOW
post "http://127.0.0.1:$PORT_MLFLOW/invocations" split-1000.json answer-mlflow.json
measure MLflow "MLflow(/invocations)" "http://127.0.0.1:$PORT_MLFLOW/invocations" split
stop

cd "$HERE"
start bentoml "http://127.0.0.1:$PORT_BENTO/readyz" env MODEL_DIR="$WORK/models/model" PATH="$BENTO_PY:$PATH" BENTOML_HOME="$WORK/bentoml" \
  bentoml serve bento_service:PhishingDetector --host 127.0.0.1 --port $PORT_BENTO
cd "$WORK"
post "http://127.0.0.1:$PORT_BENTO/predict" instances-1000.json answer-bentoml.json
measure BentoML "BentoML(/predict)" "http://127.0.0.1:$PORT_BENTO/predict" instances
stop

# The raw-URL model: the flagship pipeline of this checkout, run here from its own project.yaml.
mkdir -p "$WORK/url" && cd "$WORK/url"
cp "$ROOT/project.yaml" "$ROOT/params.yaml" . && cp -r "$ROOT/stages" .
PATH="$(dirname "$PROJ"):$PATH" "$PROJ" repro -S ingest.source="$DATA/phishing-url-train.csv" >/dev/null
URL_BUNDLE="$WORK/url/bundles/$(sed -n 's/^name: *//p' project.yaml)-$(sed -n 's/^version: *\([^ #]*\).*/\1/p' project.yaml).tar"
"$MLFLOW_PY/python" "$HERE/url_models.py" data/train.csv data/test.csv "$WORK/url" "$WORK/bodies" 2>/dev/null
cd "$WORK"

start proj-url "http://127.0.0.1:$PORT_PROJ/v2/health/ready" "$PROJ" serve "$URL_BUNDLE" --port $PORT_PROJ
post "http://127.0.0.1:$PORT_PROJ/v1/predict" url-instances-1000.json answer-url-proj.json
measure proj-url "proj-url(/v1/predict)" "http://127.0.0.1:$PORT_PROJ/v1/predict" url-instances \
  "proj-url(/invocations)" "http://127.0.0.1:$PORT_PROJ/invocations" url-split
stop

start mlflow-url "http://127.0.0.1:$PORT_MLFLOW/ping" env PATH="$MLFLOW_PY:$PATH" mlflow models serve -m "$WORK/url/mlflow-url-model" --env-manager local -h 127.0.0.1 -p $PORT_MLFLOW
post "http://127.0.0.1:$PORT_MLFLOW/invocations" url-split-1000.json answer-url-mlflow.json
measure MLflow-url "MLflow-url(/invocations)" "http://127.0.0.1:$PORT_MLFLOW/invocations" url-split
stop

cd "$HERE"
start bentoml-url "http://127.0.0.1:$PORT_BENTO/readyz" env PIPELINE="$WORK/url/url-pipeline.joblib" PATH="$BENTO_PY:$PATH" BENTOML_HOME="$WORK/bentoml" \
  bentoml serve bento_url_service:URLDetector --host 127.0.0.1 --port $PORT_BENTO
cd "$WORK"
post "http://127.0.0.1:$PORT_BENTO/predict" url-instances-1000.json answer-url-bentoml.json
measure BentoML-url "BentoML-url(/predict)" "http://127.0.0.1:$PORT_BENTO/predict" url-instances
stop

# proj's URL bundle against its numeric one, interleaved (single rows; no 1000-row runs, so a second's
# settling is enough between runs).
PORT_URL=18303
start proj "http://127.0.0.1:$PORT_PROJ/v2/health/ready" "$PROJ" serve "$BUNDLE" --port $PORT_PROJ
start proj-url "http://127.0.0.1:$PORT_URL/v2/health/ready" "$PROJ" serve "$URL_BUNDLE" --port $PORT_URL
: > "$WORK/pairs.txt"
for round in $(seq "$ROUNDS"); do
  for c in 1 16 64; do
    for route in /v1/predict:instances /invocations:split; do
      path=${route%%:*} body=${route#*:}
      order="numeric url"; [ $((round % 2)) = 0 ] && order="url numeric"
      for kind in $order; do
        if [ $kind = numeric ]; then numeric=$(run "http://127.0.0.1:$PORT_PROJ$path" "$body-1.json" $c "$PAIR_DURATION")
        else url=$(run "http://127.0.0.1:$PORT_URL$path" "url-$body-1.json" $c "$PAIR_DURATION"); fi
        sleep 1
      done
      echo "$path $c $numeric $url" >> "$WORK/pairs.txt"
    done
  done
done
kill -TERM -- -"${PIDS[-1]}" -"${PIDS[-2]}" 2>/dev/null || true; wait 2>/dev/null || true

echo "Same answers to the same 1000 rows:"
"$MLFLOW_PY/python" "$HERE/compare.py" answer-proj.json answer-mlflow.json answer-bentoml.json
echo "Raw URLs (different models: proj's bundle and scikit-learn's pipeline; the figure is how far they disagree):"
"$MLFLOW_PY/python" "$HERE/compare.py" answer-url-proj.json answer-url-mlflow.json answer-url-bentoml.json
echo
echo "| server | ready after start | RSS when ready | RSS after single-row runs | RSS after 1000-row runs | peak RSS |"
echo "|---|---|---|---|---|---|"
awk '{printf "| %s | %.3f s | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB |\n", $1, $2, $3 / 1024, $4 / 1024, $5 / 1024, $6 / 1024}' "$WORK/servers.txt"
echo
echo "| server (route) | rows per request | connections | requests/s | p50 ms | p99 ms | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|---|---|"
awk '{printf "| %s | %s | %s | %.0f | %.2f | %.2f | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8}' "$WORK/results.txt"
echo
echo "proj's URL bundle against its numeric bundle, single rows, interleaved over $ROUNDS rounds (medians; the"
echo "ratio is the median of each round's URL/numeric requests/s):"
echo
echo "| route | connections | numeric requests/s | URL requests/s | URL/numeric | numeric p99/p50 | URL p99/p50 |"
echo "|---|---|---|---|---|---|---|"
python3 - "$WORK/pairs.txt" <<'PY'
import statistics, sys
cells = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 12:
        continue
    n, u = [float(x) for x in f[2:7]], [float(x) for x in f[7:12]]
    cells.setdefault((f[0], int(f[1])), []).append((n, u))
for (route, c), runs in cells.items():
    med = lambda xs: statistics.median(xs)
    print("| %s | %d | %.0f | %.0f | %.0f%% | %.1fx | %.1fx |" % (
        route, c, med([n[0] for n, u in runs]), med([u[0] for n, u in runs]), 100 * med([u[0] / n[0] for n, u in runs]),
        med([n[2] / n[1] for n, u in runs]), med([u[2] / u[1] for n, u in runs])))
PY
