#!/usr/bin/env bash
# Bundle build and verify throughput on a bundle holding one large (incompressible) file beside a small model,
# next to `openssl dgst -sha256` of the same tar, all in the same run.
# Usage: Benchmarks/bundle.sh [SIZE_MiB]   (default 1024; RUNS=N for the number of timed runs, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
PROJ="$PWD/.build/release/proj"
swift build -c release >/dev/null
SIZE_MIB=${1:-1024}
RUNS=${RUNS:-5}
WORK="$PWD/Benchmarks/work/bundle"
rm -rf "$WORK" && mkdir -p "$WORK"
export PROJ_CONFIG_DIR="$WORK/.config"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# time_cmd CMD...: median wall seconds over RUNS runs (the command's output is discarded)
time_cmd() {
  for _ in $(seq "$RUNS"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l
  done | median | xargs printf '%.3f'
}

cd "$WORK"
export PATH="$(dirname "$PROJ"):$PATH"   # the stage calls `proj ml train`
# A tiny real model (the selftest runs it through its loader) and the large file as an included extra.
printf 'url,length,status\nhttp://a.example,16,legitimate\nhttp://b.example/x,20,phishing\nhttp://c.example,16,legitimate\nhttp://d.example/login,22,phishing\nhttp://e.example,16,legitimate\nhttp://f.example/verify,23,phishing\nhttp://g.example,17,legitimate\nhttp://h.example/account,24,phishing\n' > data.csv
cat > schema.yaml <<'YAML'
input:
  - {name: length, type: int, min: 0}
output:
  - {name: label, type: int, values: [0, 1]}
  - {name: probability, type: double, min: 0, max: 1}
YAML
cat > project.yaml <<YAML
name: big
version: 1.0.0
stages:
  train:
    cmd: >-
      proj ml train --input data.csv --target status --positive phishing --negative legitimate --exclude url --models logreg --folds 2 --validation-fraction 0.25
      --model models/model --schema work/schema.yaml --plots work/curve.csv > /dev/null &&
      head -c ${SIZE_MIB}M /dev/urandom > big.bin
    deps: [data.csv]
    outs: [models/model, big.bin]
bundle:
  model: models/model
  flavor: linear
  schema: schema.yaml
  include: [big.bin]
  selftest: {data: data.csv}
YAML
"$PROJ" repro >/dev/null
"$PROJ" keys generate bench >/dev/null

build() { rm -f bundles/*.tar* bundles/index.yaml; "$PROJ" bundle "$@"; }
t_build=$(time_cmd build)
t_build_signed=$(time_cmd build --sign bench)
t_verify=$(time_cmd "$PROJ" verify bundles/big-1.0.0.tar)
t_openssl=$(time_cmd openssl dgst -sha256 bundles/big-1.0.0.tar)
t_inspect=$(time_cmd "$PROJ" inspect bundles/big-1.0.0.tar)
"$PROJ" bundle --zstd >/dev/null
t_verify_zstd=$(time_cmd "$PROJ" verify bundles/big-1.0.0.tar.zst)
rss_verify=$( { /usr/bin/time -f %M "$PROJ" verify bundles/big-1.0.0.tar >/dev/null; } 2>&1 | tail -1 )
bytes=$(stat -c %s bundles/big-1.0.0.tar)

mibs() { echo "scale=0; $bytes / 1048576 / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "| bundle | proj bundle | proj bundle --sign | proj verify | openssl dgst -sha256 | verify / openssl | proj verify (.tar.zst) | proj inspect | verify peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $((bytes / 1048576)) MiB tar | ${t_build} s ($(mibs "$t_build") MiB/s) | ${t_build_signed} s | ${t_verify} s ($(mibs "$t_verify") MiB/s) | ${t_openssl} s ($(mibs "$t_openssl") MiB/s) | $(ratio "$t_verify" "$t_openssl") | ${t_verify_zstd} s | ${t_inspect} s | $((rss_verify / 1024)) MiB |"
