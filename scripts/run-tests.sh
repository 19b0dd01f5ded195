#!/usr/bin/env bash
# Runs every test: unit, integration and end-to-end (through ctest), then the mapping tests once
# the mapping engine exists. Usage: scripts/run-tests.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
cd "$(dirname "$0")/.."
# Two cores: run tests two at a time; the e2e tests use their own ports and temp folders.
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "${KQ_TEST_JOBS:-2}"
