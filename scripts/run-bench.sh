#!/usr/bin/env bash
# Runs the benchmarks and prints their figures (see docs/performance.md for how to read them).
# Usage: scripts/run-bench.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
cd "$(dirname "$0")/.."
for bench in "$build"/tests/bench/kq_bench_*; do
  [ -x "$bench" ] || continue
  echo "== $(basename "$bench")"
  "$bench"
done
