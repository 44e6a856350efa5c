#!/usr/bin/env bash
# Installs what proj needs on Debian, builds it, and runs the example pipeline end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libyaml-dev libarchive-dev libxgboost-dev liblinear-dev pkg-config >/dev/null
swift build -c release
PROJ="$PWD/.build/release/proj"
cd examples/quickstart
"$PROJ" dag
"$PROJ" repro "$@"
"$PROJ" status
"$PROJ" metrics show
