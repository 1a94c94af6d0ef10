#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60) on its corpus.
# New inputs go to build-fuzz/corpus/<name>/ (the committed tests/fuzz/corpus/<name>/ is only read);
# crashes go to tests/fuzz/crashes/. Minimise one with
#   UBSAN_OPTIONS=halt_on_error=1 build-fuzz/<name>_fuzzer -minimize_crash=1 -max_total_time=60 \
#     -exact_artifact_path=tests/fuzz/regressions/<name>/<what> tests/fuzz/crashes/<file>
# and commit it (scripts/fuzz-smoke.sh replays it).
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]   (JOBS=n for a parallel build, default 1)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
jobs=${JOBS:-1}
JOBS=$jobs ./scripts/sanitize-build.sh fuzzers || exit 1
# UBSan only reports by default; a finding must stop the run like an ASan one.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
mkdir -p tests/fuzz/crashes
if [[ $# -gt 0 ]]; then names=("$@"); else
  names=()
  for source in tests/fuzz/*_fuzzer.cpp; do names+=("$(basename "$source" _fuzzer.cpp)"); done
fi
failed=()
for name in "${names[@]}"; do
  mkdir -p "build-fuzz/corpus/$name" "tests/fuzz/corpus/$name"
  echo "== $name ($seconds s)"
  if ! "build-fuzz/${name}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="tests/fuzz/crashes/$name-" "build-fuzz/corpus/$name" "tests/fuzz/corpus/$name"; then
    failed+=("$name")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: findings in: ${failed[*]} (see tests/fuzz/crashes/)" >&2
  exit 1
fi
