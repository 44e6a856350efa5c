#!/usr/bin/env bash
# Installs what proj needs on Debian, builds it, runs the flagship phishing-detector pipeline end to end
# (ingest -> train -> evaluate on ../shared/data), then bundles the model and verifies the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libyaml-dev libarchive-dev libxgboost-dev liblinear-dev libsqlite3-dev libpq-dev pkg-config >/dev/null
swift build -c release
export PATH="$PWD/.build/release:$PATH"   # the stages call `proj ml ...`
proj dag
proj repro "$@"
proj status
proj metrics show
# The last stage built the bundle; check it as another machine would.
proj verify "bundles/$(sed -n 's/^name: *//p' project.yaml)-$(sed -n 's/^version: *\([^ #]*\).*/\1/p' project.yaml).tar"
