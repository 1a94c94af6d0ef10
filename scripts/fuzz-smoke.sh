#!/usr/bin/env bash
# CI smoke test for the libFuzzer targets: builds them (build-fuzz, clang) and replays every
# committed input once — tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/ — without
# mutating. Fails if any input crashes, leaks or trips a sanitizer or a target's own check.
# JOBS=n for a parallel build (default 1).
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-1}
JOBS=$jobs ./scripts/sanitize-build.sh fuzzers || exit 1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
failed=()
for source in tests/fuzz/*_fuzzer.cpp; do
  name=$(basename "$source" _fuzzer.cpp)
  inputs=()
  for dir in "tests/fuzz/corpus/$name" "tests/fuzz/regressions/$name"; do
    [[ -d $dir ]] && while IFS= read -r -d '' file; do inputs+=("$file"); done \
      < <(find "$dir" -type f ! -name '.*' -print0 | sort -z)
  done
  if [[ ${#inputs[@]} -eq 0 ]]; then
    echo "== $name: no inputs" >&2
    failed+=("$name")
    continue
  fi
  # Files as arguments: libFuzzer runs each once and exits; -runs=0 keeps it from mutating.
  log=$(mktemp)
  if "build-fuzz/${name}_fuzzer" -runs=0 "${inputs[@]}" >"$log" 2>&1; then
    echo "== $name: ${#inputs[@]} inputs ok"
  else
    # libFuzzer stops at the first failing input: show its report, then try each input alone so
    # that every failing one is listed.
    grep -v '^INFO:' "$log" >&2
    echo "== $name: FAILED; failing inputs:" >&2
    for input in "${inputs[@]}"; do
      if ! "build-fuzz/${name}_fuzzer" -runs=0 "$input" >"$log" 2>&1; then
        echo "   $input: $(grep -m1 -E 'contract broken|runtime error|ERROR:' "$log")" >&2
      fi
    done
    failed+=("$name")
  fi
  rm -f "$log"
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz-smoke: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz-smoke: all targets ok"
