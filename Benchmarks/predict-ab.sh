#!/usr/bin/env bash
# Two proj binaries scoring raw URLs with the flagship's bundle, in the same minutes, so that a change's effect
# is measured against its peer and not against another hour of this noisy machine:
# - the same predictions, byte for byte, for 45,948 URLs (the shared training set's URLs six times);
# - CPU per URL on one core: the binaries run alternately, ROUNDS times each, less the loading time (a 10-row
#   input); medians;
# - the same, both binaries at once, one per core, then swapped (each pair sees the same moments of the
#   machine's other load): the median of new/old CPU seconds;
# - batch throughput on both cores: 229,740 URLs (the set thirty times), five alternating runs; medians.
# The bundle is this checkout's pipeline, run by the new binary under Benchmarks/work/ab (or BUNDLE=path).
# Usage: Benchmarks/predict-ab.sh OLD_PROJ NEW_PROJ [ROUNDS]    (ROUNDS=15 by default)
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,11p' "$0"; exit 2; }
OLD=$(realpath "$1"); NEW=$(realpath "$2"); ROUNDS=${3:-15}
[ -z "${BUNDLE:-}" ] || BUNDLE=$(realpath "$BUNDLE")   # the script moves to its work directory
cd "$(dirname "$0")/.."
ROOT="$PWD"
DATA="$(cd "$ROOT/.." && pwd)/shared/data"
WORK="$ROOT/Benchmarks/work/ab"
mkdir -p "$WORK" && cd "$WORK"
[ -x /usr/bin/time ] || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }

# Inputs: the url column of the shared set, repeated.
python3 - "$DATA/phishing-url-train.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f:
    urls = [row["url"] for row in csv.DictReader(f)]
for name, times in (("urls-10.csv", None), ("urls-x6.csv", 6), ("urls-x30.csv", 30)):
    with open(name, "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["url"])
        for u in (urls[:10] if times is None else urls * times):
            w.writerow([u])
PY

if [ -z "${BUNDLE:-}" ]; then
  mkdir -p url && cd url
  cp "$ROOT/project.yaml" "$ROOT/params.yaml" . && rm -rf stages && cp -r "$ROOT/stages" .
  PATH="$(dirname "$NEW"):$PATH" "$NEW" repro -S ingest.source="$DATA/phishing-url-train.csv" >/dev/null
  BUNDLE="$WORK/url/bundles/$(sed -n 's/^name: *//p' project.yaml)-$(sed -n 's/^version: *\([^ #]*\).*/\1/p' project.yaml).tar"
  cd "$WORK"
fi

# cpu BIN INPUT [CPUS]: user and system CPU seconds and wall seconds of one scoring run on CPUS (default 1)
cpu() {
  local times out; times=$(mktemp); out=$(mktemp -p "$WORK" out.XXXX)
  /usr/bin/time -f "%U %S %e" -o "$times" taskset -c "${3:-1}" "$1" predict "$BUNDLE" --input "$2" --output "$out" >/dev/null 2>&1
  tail -1 "$times"; rm -f "$times" "$out"
}
median() { python3 -c 'import statistics, sys; print("%.3f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

"$OLD" predict "$BUNDLE" --input urls-x6.csv --output old.csv >/dev/null 2>&1
"$NEW" predict "$BUNDLE" --input urls-x6.csv --output new.csv >/dev/null 2>&1
cmp -s old.csv new.csv || { echo "the two binaries' predictions differ: $WORK/old.csv, $WORK/new.csv" >&2; exit 1; }
echo "same predictions for $(($(wc -l < new.csv) - 1)) URLs"

# alternate RUNS INPUT CPUS FIELD: OLD and NEW alternately, RUNS times each, on INPUT; prints the median of
# each one's FIELD (cpu: user + system seconds; wall: elapsed seconds), old then new
alternate() {
  local old=() new=() pick='{print $3}'
  [ "$4" = cpu ] && pick='{print $1 + $2}'
  for _ in $(seq "$1"); do
    old+=("$(cpu "$OLD" "$2" "$3" | awk "$pick")")
    new+=("$(cpu "$NEW" "$2" "$3" | awk "$pick")")
  done
  echo "$(median "${old[@]}") $(median "${new[@]}")"
}
rows() { echo $(($(wc -l < "$1") - 1)); }

read -r old new <<< "$(alternate "$ROUNDS" urls-x6.csv 1 cpu)"
read -r oldload newload <<< "$(alternate 5 urls-10.csv 1 cpu)"
n=$(rows urls-x6.csv)
perurl() { awk -v c="$1" -v l="$2" -v n="$n" 'BEGIN {printf "%.1f", (c - l) * 1e6 / n}'; }
echo "old: $old CPU s for $n URLs on one core, $oldload s of it loading: $(perurl "$old" "$oldload") us per URL"
echo "new: $new CPU s for $n URLs on one core, $newload s of it loading: $(perurl "$new" "$newload") us per URL"

ratios=()
for _ in $(seq $(( (ROUNDS + 1) / 2 ))); do
  for swap in 0 1; do
    cpu "$OLD" urls-x6.csv $swap > a.txt & cpu "$NEW" urls-x6.csv $((1 - swap)) > b.txt & wait
    ratios+=("$(paste a.txt b.txt | awk '{print ($4 + $5) / ($1 + $2)}')")
  done
done
echo "at the same time, one per core: new/old CPU $(median "${ratios[@]}") (median of ${#ratios[@]} pairs)"

read -r old new <<< "$(alternate 5 urls-x30.csv 0,1 wall)"
n=$(rows urls-x30.csv)
rate() { awk -v w="$1" -v n="$n" 'BEGIN {printf "%.0f", n / w}'; }
echo "old: $n URLs on both cores in $old s (with loading): $(rate "$old") URLs/s"
echo "new: $n URLs on both cores in $new s (with loading): $(rate "$new") URLs/s"
