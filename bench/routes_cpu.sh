#!/usr/bin/env bash
# CPU per proxied request of one switchyard build with 1 route vs with N routes (issue #15), both
# `run --workers 1` routed to the same canned Vertex upstream, rounds interleaved (one, many, one,
# many, ...). The N-route configuration puts N-1 Exact-model AIGatewayRoutes (to the same backend)
# before the one the requests use, so its model is the last rule: the worst case for the lookup.
#   bench/routes_cpu.sh   (SWITCHYARD=path ROUTES=2000 ROUNDS=5 DURATION=5s C="1 16")
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ROUTES="${ROUTES:-2000}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5s}"
C="${C:-1 16}"
bench_init routes
start_canned_upstream
mkdir -p "$tmp/one" "$tmp/many"
cp "$tmp/routes.yaml" "$tmp/one/routes.yaml"
{
  for i in $(seq 1 $((ROUTES - 1))); do
    printf -- '---\napiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\n'
    printf 'metadata: {name: extra-%04d}\nspec:\n  rules:\n' "$i"
    printf '    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: model-%04d}]}]\n' "$i"
    printf '      backendRefs: [{name: canned}]\n'
  done
  echo "---"
  cat "$tmp/routes.yaml"
} > "$tmp/many/routes.yaml"

declare -A port pid
for name in one many; do start_gateway "$name" "$SWITCHYARD" "$tmp/$name/routes.yaml"; done
run_rounds "$C" "$ROUNDS" "$DURATION" one many
echo "# CPU per request, 1 route vs $ROUTES routes (the used one last), $SWITCHYARD ($ROUNDS interleaved rounds of $DURATION, $(machine_load))"
echo
echo "| c | 1 route µs/request | $ROUTES routes µs/request | ratio |"
echo "|---|---|---|---|"
for c in $C; do
  a="$(us_per_request one "$c")"
  b="$(us_per_request many "$c")"
  echo "| $c | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}') |"
done
