#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/*_fuzz.cpp with clang-14 under ASan + UBSan into
# build/fuzz/, replays its saved regression inputs, then fuzzes it for SECONDS (default 20).
# Exits non-zero on any finding (crash, leak, UB, timeout, out-of-memory) or build failure.
#
#   scripts/run-fuzz.sh [SECONDS]
#
# Per target NAME_fuzz.cpp, beside it in tests/fuzz/ (see tests/fuzz/README.md):
#   NAME_fuzz.sources  required: the gateway sources it needs, one per line; a line ending in '/'
#                      is every .cpp below that folder (a part of the gateway, whole); lines
#                      starting with '-' are compiler/linker flags (-lxml2, -I/usr/include/libxml2)
#   NAME_fuzz.seeds    optional: seed files or folders, copied into the corpus
#   NAME_fuzz.dict     optional: a libFuzzer dictionary
#   regressions/NAME_fuzz/  optional: inputs that once failed; replayed before fuzzing
# Environment: KQ_FUZZ_CXX (default clang++-14), KQ_FUZZ_OUT (default build/fuzz).
set -euo pipefail

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/run-fuzz.sh [SECONDS]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
root="$PWD"
cxx="${KQ_FUZZ_CXX:-clang++-14}"
out="${KQ_FUZZ_OUT:-build/fuzz}"
mkdir -p "$out"

flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer "-fsanitize=fuzzer,address,undefined"
       -fno-sanitize-recover=undefined -I"$root")
# Findings: -timeout per input (2 s), -rss_limit_mb; leaks are reported by default.
run_flags=(-max_len=65536 -timeout=2 -rss_limit_mb=2048 -print_final_stats=1)

# The entries of a list file: comments and blank lines dropped, spaces trimmed.
entries() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && printf '%s\n' "$line"
  done < "$1"
}

# One object per source, compiled on every core (ccache, when installed, keeps them between runs
# and clones): a fuzz target that takes whole parts of the gateway compiles a hundred files, which
# one compiler process would take many minutes over. Sources and link flags come from the caller's
# `sources` array; objects of sources shared by several targets are compiled once per run.
compiler=("$cxx")
command -v ccache > /dev/null && compiler=(ccache "$cxx")
object_of() { printf '%s/obj/%s.o' "$out" "$(printf '%s' "$1" | tr '/' '_')"; }
declare -A compiled=()
build_target() {
  local target="$1" binary="$2" build_log="$3" src
  local objects=() link_flags=() pending=()
  for src in "$target" "${sources[@]}"; do
    if [[ "$src" == -* ]]; then
      link_flags+=("$src")
      continue
    fi
    objects+=("$(object_of "$src")")
    [ -n "${compiled[$src]:-}" ] || pending+=("$src")
  done
  mkdir -p "$out/obj"
  : > "$build_log"
  if [ ${#pending[@]} -gt 0 ]; then
    # The list's flags go to both steps: -I matters to the compiler, -l to the linker.
    export -f object_of
    export out
    if ! printf '%s\n' "${pending[@]}" | xargs -P "$(nproc)" -I{} bash -c \
         'src="$1"; shift; "$@" -c "$src" -o "$(object_of "$src")"' _ {} \
         "${compiler[@]}" "${flags[@]}" "${link_flags[@]}" >> "$build_log" 2>&1; then
      return 1
    fi
    for src in "${pending[@]}"; do compiled["$src"]=1; done
  fi
  "$cxx" "${flags[@]}" "${objects[@]}" "${link_flags[@]}" -o "$binary" >> "$build_log" 2>&1
}

failed=()
shopt -s nullglob
for target in tests/fuzz/*_fuzz.cpp; do
  name="$(basename "$target" .cpp)"
  list="tests/fuzz/$name.sources"
  echo "== $name"
  if [ ! -f "$list" ]; then
    echo "   missing $list (the gateway sources $name needs)"
    failed+=("$name (no .sources)")
    continue
  fi
  sources=()
  while IFS= read -r entry; do
    if [[ "$entry" == */ ]]; then
      mapfile -t -O "${#sources[@]}" sources < <(find "$entry" -name '*.cpp' | sort)
    else
      sources+=("$entry")
    fi
  done < <(entries "$list")

  binary="$out/$name"
  log="$out/$name.log"
  if ! build_target "$target" "$binary" "$out/$name.build.log"; then
    echo "   build failed:"
    tail -n 30 "$out/$name.build.log" | sed 's/^/   /'
    failed+=("$name (build)")
    continue
  fi

  corpus="$out/$name.corpus"
  artifacts="$out/$name.findings/"
  mkdir -p "$corpus" "$artifacts"
  if [ -f "tests/fuzz/$name.seeds" ]; then
    while IFS= read -r seed; do
      # Every regular file except dotfiles and notes; a folder contributes its files.
      find "$seed" -maxdepth 1 -type f ! -name '.*' ! -name '*.md' -exec cp -n {} "$corpus/" \;
    done < <(entries "tests/fuzz/$name.seeds")
  fi
  extra=()
  [ -f "tests/fuzz/$name.dict" ] && extra+=(-dict="tests/fuzz/$name.dict")

  regressions=(tests/fuzz/regressions/"$name"/*)
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$binary" "${run_flags[@]}" "${regressions[@]}" > "$out/$name.regressions.log" 2>&1; then
      echo "   a saved regression input fails again:"
      tail -n 30 "$out/$name.regressions.log" | sed 's/^/   /'
      failed+=("$name (regression)")
      continue
    fi
    echo "   ${#regressions[@]} regression inputs pass"
  fi

  if "$binary" "${run_flags[@]}" "${extra[@]}" -max_total_time="$seconds" \
       -artifact_prefix="$artifacts" "$corpus" > "$log" 2>&1; then
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)"
    echo "   clean: ${runs:-?} inputs in ${seconds}s, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l) files"
  else
    echo "   FINDING (log: $log, input in $artifacts):"
    grep -E 'ERROR:|SUMMARY:|property broken|runtime error' "$log" | head -n 10 | sed 's/^/   /'
    failed+=("$name (finding)")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}"
  exit 1
fi
echo "fuzzing clean"
