#!/usr/bin/env bash
# Bundle build and verify throughput on a bundle holding one large (incompressible) model file,
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
printf 'url,length\nhttp://a.example,16\nhttp://b.example,16\n' > data.csv
cat > schema.yaml <<'YAML'
input:
  - {name: url, type: string}
  - {name: length, type: int}
output:
  - {name: label, type: int}
YAML
cat > project.yaml <<YAML
name: big
version: 1.0.0
stages:
  train:
    cmd: mkdir -p models && head -c ${SIZE_MIB}M /dev/urandom > models/model.bin
    outs: [models/model.bin]
bundle:
  model: models/model.bin
  flavor: xgboost
  schema: schema.yaml
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
