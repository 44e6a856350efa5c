#!/usr/bin/env bash
# Benchmarks the runner against DVC on the same generated pipelines, and SHA-256 against openssl.
# Usage: Benchmarks/runner.sh  (needs a release build: swift build -c release; installs DVC into Benchmarks/.venv)
set -euo pipefail
cd "$(dirname "$0")/.."
PROJ="$PWD/.build/release/proj"
[ -x "$PROJ" ] || swift build -c release
[ -x Benchmarks/.venv/bin/dvc ] || { python3 -m venv Benchmarks/.venv && Benchmarks/.venv/bin/pip install -q dvc; }
DVC="$PWD/Benchmarks/.venv/bin/dvc"
WORK="$PWD/Benchmarks/work"
RUNS=${RUNS:-7}
rm -rf "$WORK" && mkdir -p "$WORK"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# time_cmd DIR CMD...: median wall seconds of RUNS runs
time_cmd() {
  local dir=$1; shift
  for _ in $(seq "$RUNS"); do
    ( cd "$dir"; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l )
  done | median
}

# gen N DIR: a chain-and-fan pipeline of N stages writing small files, as project.yaml and dvc.yaml
gen() {
  local n=$1 dir=$2
  mkdir -p "$dir/data" && cd "$dir"
  echo seed > data/in.txt
  printf 'p:\n  x: 1\n' > params.yaml
  { echo "stages:"; for i in $(seq 1 "$n"); do
      dep=data/in.txt; [ "$i" -gt 1 ] && dep=data/s$(( (i-1) / 2 )).txt; [ "$i" -eq 1 ] && dep=data/in.txt
      [ "$i" -gt 1 ] && dep=data/s$(( i / 2 )).txt
      echo "  s$i:"; echo "    cmd: cat $dep > data/s$i.txt"; echo "    deps: [$dep]"; echo "    params: [p.x]"; echo "    outs: [data/s$i.txt]"
    done; } > project.yaml
  sed 's/params: \[p.x\]/params: [p.x]/' project.yaml > dvc.yaml
  git init -q . && git add -A && git -c user.name=b -c user.email=b@b commit -qm init
  "$DVC" init -q
  cd - >/dev/null
}

echo "| stages | proj status | dvc status | ratio | proj no-op repro | dvc no-op repro | ratio | proj repro (all stale) per stage | dvc repro per stage |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in 10 100 500; do
  d="$WORK/p$n"; gen "$n" "$d"
  # full runs (timed once each: they create state)
  s=$(date +%s.%N); (cd "$d" && "$PROJ" repro >/dev/null); e=$(date +%s.%N); proj_full=$(echo "($e - $s)" | bc -l)
  s=$(date +%s.%N); (cd "$d" && "$DVC" repro -q >/dev/null 2>&1 || true); e=$(date +%s.%N); dvc_full=$(echo "($e - $s)" | bc -l)
  sleep 1.1   # let outs leave the stat cache's racy window
  (cd "$d" && "$PROJ" status >/dev/null || true)
  ps=$(time_cmd "$d" "$PROJ" status); ds=$(time_cmd "$d" "$DVC" status)
  pr=$(time_cmd "$d" "$PROJ" repro); dr=$(time_cmd "$d" "$DVC" repro)
  # per-stage cost of running: a trivial `cat` command, so this is almost all overhead
  printf '| %d | %.3f s | %.3f s | %.0fx | %.3f s | %.3f s | %.0fx | %.1f ms | %.1f ms |\n' "$n" "$ps" "$ds" "$(echo "$ds / $ps" | bc -l)" "$pr" "$dr" "$(echo "$dr / $pr" | bc -l)" \
    "$(echo "$proj_full * 1000 / $n" | bc -l)" "$(echo "$dvc_full * 1000 / $n" | bc -l)"
done

# bytes read by a second status with nothing changed
echo
echo "Second \`proj status --json\` on the 500-stage project reads: $(cd "$WORK/p500" && "$PROJ" status --json | tr -d '\n ' | grep -o '"read":{[^}]*}')"

# hashing 1 GiB: proj (through a one-stage project's dep) vs openssl
echo
h="$WORK/hash"; mkdir -p "$h" && head -c 1073741824 /dev/urandom > "$h/big.bin"
printf 'stages:\n  h:\n    cmd: echo\n    deps: [big.bin]\n' > "$h/project.yaml"
for _ in 1 2 3 4 5; do
  rm -f "$h/.proj/state"
  s=$(date +%s.%N); (cd "$h" && "$PROJ" status >/dev/null 2>&1 || true); e=$(date +%s.%N); echo "p $(echo "$e - $s" | bc -l)"
  s=$(date +%s.%N); openssl dgst -sha256 "$h/big.bin" >/dev/null; e=$(date +%s.%N); echo "o $(echo "$e - $s" | bc -l)"
done > "$WORK/hash.times"
pm=$(grep '^p' "$WORK/hash.times" | cut -d' ' -f2 | median); om=$(grep '^o' "$WORK/hash.times" | cut -d' ' -f2 | median)
printf 'SHA-256 of 1 GiB (median of 5, page cache warm): proj %.3f s, openssl dgst -sha256 %.3f s: proj at %.0f%% of openssl\n' "$pm" "$om" "$(echo "100 * $om / $pm" | bc -l)"
