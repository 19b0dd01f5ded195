#!/usr/bin/env bash
# Runs every test: unit, integration and end-to-end (through ctest), the tests beside the
# mappings (kangqiao test-mappings), and the fuzz targets for a short while.
# Usage: scripts/run-tests.sh [BUILD_DIR]
#   KQ_FUZZ_SECONDS   seconds per fuzz target (default 20; 0 skips fuzzing)
set -euo pipefail
build="${1:-build}"
cd "$(dirname "$0")/.."
# Two cores: run tests two at a time; the e2e tests use their own ports and temp folders.
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "${KQ_TEST_JOBS:-2}"
echo "== mapping tests"
# Every shipped mapping has its tests: one without is a failure here, not just a line in the report.
"$build/bin/kangqiao" test-mappings mappings --require-tests
fuzz_seconds="${KQ_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing, ${fuzz_seconds}s per target"
  scripts/run-fuzz.sh "$fuzz_seconds"
fi
