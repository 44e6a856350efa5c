#!/usr/bin/env bash
# What tools, proj's identity and the sandbox cost: the same generated pipeline run plainly, with a `tools:`
# entry on every stage, with every stage calling proj (its identity fingerprinted), and with every stage in
# the bubblewrap sandbox. Figures are medians of RUNS runs, each variant beside the plain one from the same run.
# Usage: Benchmarks/hermetic.sh  (needs a release build: swift build -c release; and bubblewrap)
set -euo pipefail
cd "$(dirname "$0")/.."
PROJ="$PWD/.build/release/proj"
[ -x "$PROJ" ] || swift build -c release
export PATH="$(dirname "$PROJ"):$PATH"
WORK="$PWD/Benchmarks/work/hermetic"
RUNS=${RUNS:-5}
N=${N:-100}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

# gen DIR VARIANT: N independent stages, each writing one small file.
gen() {
  local dir=$1 variant=$2
  rm -rf "$dir" && mkdir -p "$dir/in" && cd "$dir"
  { echo "name: bench"; echo "version: 0.1.0"; echo "stages:"
    for i in $(seq 1 "$N"); do
      echo "x$i" > "in/$i.txt"
      echo "  s$i:"
      if [ "$variant" = proj ]; then echo "    cmd: proj --version > out/$i.txt"; else echo "    cmd: cat in/$i.txt > out/$i.txt"; fi
      echo "    deps: [in/$i.txt]"
      echo "    outs: [out/$i.txt]"
      [ "$variant" = tools ] && echo '    tools: ["python3 --version", "uname -r"]'
      [ "$variant" = sandbox ] && echo "    sandbox: true"
    done; } > project.yaml
  cd - >/dev/null
}

# full DIR: a first repro of every stage, from nothing (locks, cache and outs removed).
full() { rm -rf "$1/.proj" "$1/lockfiles" "$1/out"; ( cd "$1" && proj repro ); }
noop() { ( cd "$1" && proj status ); }

printf '| variant | first repro per stage | vs plain | status (all fresh) | vs plain |\n|---|---|---|---|---|\n'
for variant in plain tools proj sandbox; do gen "$WORK/$variant" "$variant"; done
declare -A first status
for variant in plain tools proj sandbox; do
  first[$variant]=$(for _ in $(seq "$RUNS"); do seconds full "$WORK/$variant"; done | median)
  status[$variant]=$(for _ in $(seq "$RUNS"); do seconds noop "$WORK/$variant"; done | median)
done
for variant in plain tools proj sandbox; do
  printf '| %s | %.1f ms | %+.1f ms | %.3f s | %.2fx |\n' "$variant" \
    "$(echo "${first[$variant]} * 1000 / $N" | bc -l)" "$(echo "(${first[$variant]} - ${first[plain]}) * 1000 / $N" | bc -l)" \
    "${status[$variant]}" "$(echo "${status[$variant]} / ${status[plain]}" | bc -l)"
done
echo "($N stages, medians of $RUNS runs; $(nproc) cores; $(bwrap --version))"
