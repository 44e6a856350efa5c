#!/usr/bin/env bash
# proj's ML steps against scikit-learn and xgboost (Python, in a venv) on the same splits, in the same run:
# the raw-URL model, the all-features model (87 columns) and the UCI set. Prints a markdown table of
# accuracy, F1, ROC AUC, training time and inference time per row.
# Usage: Benchmarks/ml.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PROJ="$ROOT/.build/release/proj"
swift build -c release >/dev/null
VENV="$ROOT/Benchmarks/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q scikit-learn xgboost pandas scipy
WORK="$ROOT/Benchmarks/work/ml"
rm -rf "$WORK" && mkdir -p "$WORK"
DATA="$(cd "$ROOT/.." && pwd)/shared/data"

echo "| data | tool | model | accuracy | F1 | ROC AUC | train s (process) | fit s | inference us/row |"
echo "|---|---|---|---|---|---|---|---|---|"
# row DATA TOOL PROCESS-SECONDS: a JSON line on stdin -> a table row
row() { "$VENV/bin/python" -c 'import json,sys; d=json.loads(sys.stdin.read()); print("| %s | %s | %s | %.4f | %.4f | %.4f | %.2f | %.2f | %.2f |" % (sys.argv[1], sys.argv[2], d["model"], d["accuracy"], d["f1"], d["roc_auc"], float(sys.argv[3]), d["train_s"], d["infer_us_per_row"]))' "$1" "$2" "$3"; }
seconds_since() { echo "$(date +%s.%N) - $1" | bc -l; }

# run_proj NAME DIR TARGET POSITIVE NEGATIVE TRAIN-ARGS...: the factory's chosen kind, trained once and evaluated.
# The process figure is the whole `proj ml train`; the fit figure is its final fit ("final fit" in its output).
run_proj() {
  local name=$1 dir=$2 target=$3 pos=$4 neg=$5; shift 5
  cd "$dir"
  local s process
  s=$(date +%s.%N)
  "$PROJ" ml train --input train.csv --target "$target" --positive="$pos" --negative="$neg" "$@" \
    --model model --schema schema.yaml --plots curve.csv > train.log
  process=$(seconds_since "$s")
  "$PROJ" ml evaluate --model model --input test.csv --target "$target" --positive="$pos" --negative="$neg" \
    --metrics eval.json --roc roc.csv --timing timing.json > /dev/null
  "$VENV/bin/python" -c 'import json,re,sys; m=json.load(open("eval.json")); t=json.load(open("timing.json"))
fit=float(re.search(r"final fit ([0-9.]+) s", open("train.log").read()).group(1))
print(json.dumps({"model": m["model"], "accuracy": m["accuracy"], "f1": m["f1"], "roc_auc": m["roc_auc"], "train_s": fit, "infer_us_per_row": t["inference_us_per_row"]}))' \
    | row "$name" proj "$process"
  cd "$ROOT"
}

# run_python NAME MODE DIR TARGET POSITIVE: every comparable model fitted in one warm process (scores, fit time),
# then each again as a process of its own (import, read the CSV, fit, write the model), timed whole.
run_python() {
  local name=$1 mode=$2 dir=$3 target=$4 pos=$5 model s
  # The warm run finishes before the one-model processes start, so no two trainings share the cores.
  "$VENV/bin/python" Benchmarks/ml_sklearn.py "$mode" "$dir/train.csv" "$dir/test.csv" "$target" "$pos" > "$dir/python.jsonl"
  while read -r l; do
    model=$(echo "$l" | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["model"])')
    s=$(date +%s.%N)
    "$VENV/bin/python" Benchmarks/ml_sklearn.py "$mode" "$dir/train.csv" "$dir/test.csv" "$target" "$pos" --only "$model" --save "$dir/python-model.pkl"
    echo "$l" | row "$name" scikit-learn "$(seconds_since "$s")"
  done < "$dir/python.jsonl"
}

split() { # DIR SOURCE TARGET
  mkdir -p "$1"
  "$PROJ" ml split --input "$2" --target "$3" --test-fraction 0.2 --seed 42 --train "$1/train.csv" --test "$1/test.csv" > /dev/null
}

split "$WORK/url" "$DATA/phishing-url-train.csv" status
mkdir -p "$WORK/features" && cp "$WORK/url/train.csv" "$WORK/url/test.csv" "$WORK/features/"
split "$WORK/uci" "$DATA/phishing-websites.csv" Result

# proj's two tree kinds on each set: boosted trees (as the flagship's params) and the random forest.
BOOSTED=(--models xgboost --rounds 300 --subsample 0.9 --seed 7)
FOREST=(--models xgboost-rf --seed 7)
URL_FEATURES=(--featurizer url-text+structure --suffix-list "$ROOT/stages/public_suffix_list.dat")
run_proj "URL only" "$WORK/url" status phishing legitimate "${URL_FEATURES[@]}" "${BOOSTED[@]}"
run_proj "URL only" "$WORK/url" status phishing legitimate "${URL_FEATURES[@]}" "${FOREST[@]}"
run_python "URL only" url "$WORK/url" status phishing
run_proj "all 87 features" "$WORK/features" status phishing legitimate --exclude url "${BOOSTED[@]}"
run_proj "all 87 features" "$WORK/features" status phishing legitimate --exclude url "${FOREST[@]}"
run_python "all 87 features" features "$WORK/features" status phishing
run_proj "UCI" "$WORK/uci" Result -1 1 "${BOOSTED[@]}"
run_proj "UCI" "$WORK/uci" Result -1 1 "${FOREST[@]}"
run_python "UCI" features "$WORK/uci" Result -1
