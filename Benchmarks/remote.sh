#!/usr/bin/env bash
# proj push/pull against dvc push/pull (PyPI dvc[s3]), in the same run, to the same local S3-compatible server
# (moto's, on 127.0.0.1): FILES files of 1 KiB in one directory, and one BIG_MIB MiB file; a push with
# nothing to send; each tool's best-known settings (proj -j 8; dvc's default jobs). Every push goes to a fresh
# prefix and every pull into a fresh clone with an empty cache. Medians of ROUNDS rounds, and the peak RSS of
# the proj processes.
# Usage: Benchmarks/remote.sh      (FILES=10000 BIG_MIB=256 ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PROJ="$ROOT/.build/release/proj"
FILES=${FILES:-10000}; BIG_MIB=${BIG_MIB:-256}; ROUNDS=${ROUNDS:-3}; PORT=${PORT:-18730}
swift build -c release >/dev/null
# dvc and moto in venvs of their own (together, pip backtracks through aiobotocore for a long while).
VENV="$ROOT/.build/bench-venvs/dvc"
[ -x "$VENV/bin/dvc" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q "dvc[s3]"; }
MOTO="$ROOT/.build/test-venvs/s3"
[ -x "$MOTO/bin/moto_server" ] || { python3 -m venv "$MOTO"; "$MOTO/bin/pip" install -q "moto[server]"; }
WORK="$ROOT/Benchmarks/work/remote"
rm -rf "$WORK" && mkdir -p "$WORK/src/small"

setsid "$MOTO/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$WORK/moto.log" 2>&1 & MOTO_PID=$!
trap 'kill -KILL -$MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
curl -sf -X PUT "http://127.0.0.1:$PORT/bench" > /dev/null
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
ENDPOINT="http://127.0.0.1:$PORT"

python3 - "$WORK/src" "$FILES" "$BIG_MIB" <<'PY'
import os, random, sys
root, files, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(1)
for i in range(files):
    with open(f"{root}/small/f{i:05d}.bin", "wb") as f: f.write(r.randbytes(1024))
with open(f"{root}/big.bin", "wb") as f:
    for _ in range(mib): f.write(r.randbytes(1 << 20))
PY

seconds() { local s; s=$(date +%s.%N); "$@" > /dev/null 2>> "$WORK/errors.log"; echo "$(date +%s.%N) - $s" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
peak_rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

# proj: a stage per data set copies it in, so the cache holds it; the remote gets a fresh prefix each round.
proj_project() {  # DIR PREFIX
  mkdir -p "$1" && cd "$1"
  cat > project.yaml <<YAML
name: bench
stages:
  small: {cmd: cp -r $WORK/src/small data/small, outs: [data/small]}
  big: {cmd: cp $WORK/src/big.bin data/big.bin, outs: [data/big.bin]}
YAML
  "$PROJ" remote add storage "s3://bench/$2" --endpoint "$ENDPOINT" > /dev/null
  cd "$ROOT"
}
# dvc: dvc add of the same data; a git repository as dvc wants one.
dvc_project() {  # DIR PREFIX
  mkdir -p "$1/data" && cd "$1"
  git init -q && "$VENV/bin/dvc" init -q
  cp -r "$WORK/src/small" data/small && cp "$WORK/src/big.bin" data/big.bin
  "$VENV/bin/dvc" add -q data/small data/big.bin
  "$VENV/bin/dvc" remote add -q -d storage "s3://bench/$2"
  "$VENV/bin/dvc" remote modify -q storage endpointurl "$ENDPOINT"
  cd "$ROOT"
}
clone() {  # FROM TO: the project files without cache or outs
  mkdir -p "$2"
  (cd "$1" && tar cf - --exclude=./.proj --exclude=./.dvc/cache --exclude=./.dvc/tmp --exclude=./data/small --exclude=./data/big.bin .) | (cd "$2" && tar xf -)
}

declare -A T
for round in $(seq "$ROUNDS"); do
  A="$WORK/p$round-a"; B="$WORK/p$round-b"
  proj_project "$A" "proj$round"
  (cd "$A" && "$PROJ" repro > /dev/null)
  T[proj_push_small]+="$(cd "$A" && seconds "$PROJ" push small) "
  T[proj_noop]+="$(cd "$A" && seconds "$PROJ" push small) "
  T[proj_push_big]+="$(cd "$A" && seconds "$PROJ" push big) "
  clone "$A" "$B"
  T[proj_pull_small]+="$(cd "$B" && seconds "$PROJ" pull small) "
  T[proj_pull_big]+="$(cd "$B" && seconds "$PROJ" pull big) "
  diff -r "$A/data" "$B/data" > /dev/null || { echo "proj: pulled data differ" >&2; exit 1; }
  if [ "$round" = 1 ]; then
    C="$WORK/p$round-c"; clone "$A" "$C"
    RSS_PUSH=$(cd "$A" && peak_rss "$PROJ" push --rescan small)
    RSS_PULL=$(cd "$C" && peak_rss "$PROJ" pull small)
  fi

  A="$WORK/d$round-a"; B="$WORK/d$round-b"
  dvc_project "$A" "dvc$round"
  T[dvc_push_small]+="$(cd "$A" && seconds "$VENV/bin/dvc" push data/small.dvc) "
  T[dvc_noop]+="$(cd "$A" && seconds "$VENV/bin/dvc" push data/small.dvc) "
  T[dvc_push_big]+="$(cd "$A" && seconds "$VENV/bin/dvc" push data/big.bin.dvc) "
  clone "$A" "$B"
  T[dvc_pull_small]+="$(cd "$B" && seconds "$VENV/bin/dvc" pull data/small.dvc) "
  T[dvc_pull_big]+="$(cd "$B" && seconds "$VENV/bin/dvc" pull data/big.bin.dvc) "
  diff -r "$A/data/small" "$B/data/small" > /dev/null || { echo "dvc: pulled data differ" >&2; exit 1; }
done

m() { echo "${T[$1]}" | tr ' ' '\n' | grep . | median; }
ratio() { echo "scale=1; $(m "$1") / $(m "$2")" | bc; }
echo "| operation | proj s | dvc s | proj faster by |"
echo "|---|---|---|---|"
echo "| push $FILES files of 1 KiB | $(m proj_push_small) | $(m dvc_push_small) | $(ratio dvc_push_small proj_push_small)x |"
echo "| pull $FILES files of 1 KiB | $(m proj_pull_small) | $(m dvc_pull_small) | $(ratio dvc_pull_small proj_pull_small)x |"
echo "| push with nothing to send ($FILES objects) | $(m proj_noop) | $(m dvc_noop) | $(ratio dvc_noop proj_noop)x |"
echo "| push one $BIG_MIB MiB file | $(m proj_push_big) | $(m dvc_push_big) | $(ratio dvc_push_big proj_push_big)x |"
echo "| pull one $BIG_MIB MiB file | $(m proj_pull_big) | $(m dvc_pull_big) | $(ratio dvc_pull_big proj_pull_big)x |"
echo
echo "proj peak RSS: push of $FILES files ${RSS_PUSH} KiB, pull ${RSS_PULL} KiB ($ROUNDS rounds; $(nproc) CPUs)"
