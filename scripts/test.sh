#!/usr/bin/env bash
# Builds everything (the end-to-end tests run the built `proj`) and runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test
