#!/usr/bin/env bash
# CPU per proxied request of two switchyard builds measured in one run, rounds interleaved (A, B, A,
# B, ...), both `run --workers 1` routed to the same canned Vertex upstream: the before/after check
# for a change to the request path. CPU = utime+stime of each gateway process over its wrk runs.
#   A=/path/old/switchyard B=build/switchyard bench/ab_cpu.sh   (ROUNDS=5 DURATION=5s C="1 16")
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
A="${A:?A=path of the reference switchyard}"
B="${B:-$SWITCHYARD}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5s}"
C="${C:-1 16}"
bench_init ab
start_canned_upstream
declare -A port pid
start_gateway A "$A" "$tmp/routes.yaml"
start_gateway B "$B" "$tmp/routes.yaml"
run_rounds "$C" "$ROUNDS" "$DURATION" A B
echo "# CPU per request, A = $A, B = $B ($ROUNDS interleaved rounds of $DURATION, $(machine_load))"
echo
echo "| c | A µs/request | B µs/request | B ÷ A |"
echo "|---|---|---|---|"
for c in $C; do
  a="$(us_per_request A "$c")"
  b="$(us_per_request B "$c")"
  echo "| $c | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}') |"
done
