#!/usr/bin/env bash
# Runs the end-to-end suite (node --test, one file at a time) against a switchyard binary:
#   scripts/e2e.sh [--sanitized] BINARY [TEST_FILE...]   (names in tests/e2e; default: every *.test.mjs)
# --sanitized: the binary is the ASan+UBSan build (scripts/sanitize-build.sh switchyard), which runs
# a few times slower, so a test file gets 480 s instead of 240 s. Every sanitizer report of every
# process the tests start (gateways, emulators, `check`) is written to a file instead of a stream
# some test may not read; any such file fails the run, printed in full.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitized=false
timeout=240000  # ms, for each test and for each file as a whole (kubernetes-resilience takes ~2 min)
if [[ ${1:-} == --sanitized ]]; then sanitized=true; timeout=480000; shift; fi
binary=$(realpath "${1:?usage: scripts/e2e.sh [--sanitized] BINARY [TEST_FILE...]}")
shift
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=($(cd tests/e2e && echo ./*.test.mjs))
if $sanitized; then
  reports=$(mktemp -d)
  trap 'rm -rf "$reports"' EXIT
  export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="log_path=$reports/ubsan:halt_on_error=1:print_stacktrace=1"
fi
status=0
(cd tests/e2e && SWITCHYARD_BIN="$binary" node --test --test-concurrency=1 --test-timeout="$timeout" \
  "${files[@]}") || status=$?
if $sanitized && compgen -G "$reports/*" >/dev/null; then
  for report in "$reports"/*; do
    echo "== sanitizer report $(basename "$report")" >&2
    cat "$report" >&2
  done
  status=1
fi
exit "$status"
