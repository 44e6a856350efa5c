#!/usr/bin/env bash
# What hostile manifests cost proj before it refuses them: a 16 MiB bundle.yaml of 150,000 listed files,
# 100,000 nested flow sequences, and an alias bomb (9 levels of 9 aliases), each the first and only entry of
# a tar. Peer in the same run: GNU tar listing the same archive (`tar -tf`), which reads it without judging it.
# Usage: Benchmarks/hostile.sh   (RUNS=N timed runs, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
PROJ="$PWD/.build/release/proj"
swift build -c release >/dev/null
RUNS=${RUNS:-5}
WORK="$PWD/Benchmarks/work/hostile"
rm -rf "$WORK" && mkdir -p "$WORK"

python3 - "$WORK" <<'PY'
import hashlib, io, sys, tarfile
out = sys.argv[1]
def bundle(name, body):
    m = (body + "manifest_sha256: " + hashlib.sha256(body.encode()).hexdigest() + "\n").encode()
    with tarfile.open(f"{out}/{name}.tar", "w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("bundle.yaml"); info.size = len(m); t.addfile(info, io.BytesIO(m))
head = "format: 1\nname: big\nversion: 1.0.0\nflavor: linear\nentry: model/m.bin\n"
bundle("wide", head + "files:\n" + "".join('  "model/f%07d.bin": {sha256: %s, size: 1}\n' % (i, "ab" * 32) for i in range(150000)))
bundle("deep", head + "schema: " + "[" * 100000 + "]" * 100000 + "\n")
levels = ["l0: &l0 [" + ", ".join(["x"] * 9) + "]"] + ["l%d: &l%d [%s]" % (k, k, ", ".join(["*l%d" % (k - 1)] * 9)) for k in range(1, 9)]
bundle("aliases", head + "\n".join(levels) + "\n")
PY

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_cmd() {
  for _ in $(seq "$RUNS"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l
  done | median | xargs printf '%.3f'
}
echo "| manifest | bytes | proj verify (refuses) | peak RSS | tar -tf (peer) | message |"
echo "|---|---|---|---|---|---|"
for case in wide deep aliases; do
  tar="$WORK/$case.tar"
  t=$(time_cmd "$PROJ" verify "$tar")
  /usr/bin/time -f %M -o "$WORK/rss" "$PROJ" verify "$tar" >/dev/null 2>&1 || true; rss=$(tail -1 "$WORK/rss")
  peer=$(time_cmd tar -tf "$tar")
  msg=$("$PROJ" verify "$tar" 2>&1 >/dev/null | tail -1 | cut -c1-90 || true)
  echo "| $case | $(stat -c %s "$tar") | ${t} s | $((rss / 1024)) MiB | ${peer} s | ${msg} |"
done
