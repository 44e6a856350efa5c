#!/usr/bin/env bash
# Installs what proj needs on Debian, builds it, runs the flagship phishing-detector pipeline end to end
# (ingest -> train -> evaluate on ../shared/data), then bundles the model, verifies the bundle and serves it
# on http://127.0.0.1:${PORT:-8080} (Ctrl-C stops it; SERVE_ONCE=1 stops after the sample requests).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libyaml-dev libarchive-dev zlib1g-dev libzstd-dev libxgboost-dev liblinear-dev libsqlite3-dev libpq-dev pkg-config curl bubblewrap >/dev/null
swift build -c release
export PATH="$PWD/.build/release:$PATH"   # the stages call `proj ml ...`
proj dag
# The flagship's stages run sandboxed (bubblewrap). Where this machine cannot make namespaces (some containers),
# say so and run them without the sandbox rather than not at all.
if ! bwrap --die-with-parent --ro-bind / / --dev /dev --proc /proc --unshare-net -- /bin/true 2>/dev/null; then
  echo "note: bubblewrap cannot make namespaces here; running the stages without their sandbox (proj repro --no-sandbox)" >&2
  set -- --no-sandbox "$@"
fi
proj repro "$@"
proj status
proj metrics show
# The last stage built the bundle; check it as another machine would.
BUNDLE="bundles/$(sed -n 's/^name: *//p' project.yaml)-$(sed -n 's/^version: *\([^ #]*\).*/\1/p' project.yaml).tar"
proj verify "$BUNDLE"

# Serve it, and ask it about two URLs through proj's API, KServe v2 and MLflow's protocol.
PORT="${PORT:-8080}"
proj serve "$BUNDLE" --port "$PORT" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null && break; sleep 0.1; done
curl -s "http://127.0.0.1:$PORT/v1/predict" -H 'Content-Type: application/json' \
  -d '{"urls": ["http://paypal.com.account-verify.secure-login.xyz/signin/", "https://en.wikipedia.org/wiki/Phishing"]}'
curl -s "http://127.0.0.1:$PORT/v2/models/$(sed -n 's/^name: *//p' project.yaml)/infer" -H 'Content-Type: application/json' \
  -d '{"inputs": [{"name": "url", "shape": [1], "datatype": "BYTES", "data": ["http://bit.ly/3xYz-login"]}]}'
curl -s "http://127.0.0.1:$PORT/invocations" -H 'Content-Type: application/json' \
  -d '{"dataframe_split": {"columns": ["url"], "data": [["https://github.com/"]]}}'
echo
if [ "${SERVE_ONCE:-0}" = 1 ]; then exit 0; fi
echo "serving on http://127.0.0.1:$PORT (Ctrl-C to stop)"
wait $SERVER
