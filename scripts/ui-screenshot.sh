#!/usr/bin/env bash
# A screenshot of proj ui's compare view (headless Chromium), for the docs:
#   scripts/ui-screenshot.sh OUT.png [RUN...]     (default: the two newest runs of this project's history)
# Run it in a project with a run history, with proj on PATH.
set -euo pipefail
out=$(realpath -m "${1:?usage: scripts/ui-screenshot.sh OUT.png [RUN...]}"); shift
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  mapfile -t runs < <(proj exp show --json -n 2 | python3 -c 'import json, sys; [print(r["id"]) for r in json.load(sys.stdin)]')
fi
log=$(mktemp); profile=$(mktemp -d)
proj ui --port 0 >"$log" 2>&1 &
ui=$!
trap 'kill $ui 2>/dev/null; wait $ui 2>/dev/null; rm -rf "$log" "$profile"' EXIT
for _ in $(seq 100); do grep -q 'on http://' "$log" && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1)
query=$(printf 'run=%s&' "${runs[@]}")
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" --window-size=1400,1350 \
  --screenshot="$out" "$base/compare?${query%&}" 2>/dev/null
echo "wrote $out"
