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
tmp="$(mktemp -d /tmp/switchyard-routes.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

up_port="$(free_port)"
"$BENCH_DIR/canned-upstream/start.sh" "$up_port" "$tmp/nginx" > "$tmp/nginx.out" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$up_port/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
write_setup "$tmp" "$up_port"
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
for name in one many; do
  port[$name]="$(free_port)"
  start="$(date +%s%N)"
  "$SWITCHYARD" run --workers 1 -c "$tmp/$name/routes.yaml" --secrets-dir "$tmp/secrets" \
    --listen "127.0.0.1:${port[$name]}" --admin 127.0.0.1:0 > /dev/null 2> "$tmp/$name.err" &
  pid[$name]=$!; pids+=("$!")
  wait_http "http://127.0.0.1:${port[$name]}/v1/models"
  echo "$name: ready in $(( ($(date +%s%N) - start) / 1000000 )) ms (start-up, config load included)" >&2
  BODY=openai wrk -t1 -c16 -d2s -s "$BENCH_DIR/post.lua" "http://127.0.0.1:${port[$name]}/v1/chat/completions" > /dev/null
done

hz="$(getconf CLK_TCK)"
declare -A ticks requests
for c in $C; do
  for name in one many; do ticks[$name.$c]=0; requests[$name.$c]=0; done
  for _ in $(seq "$ROUNDS"); do
    for name in one many; do
      t0="$(cpu_ticks "${pid[$name]}")"
      line="$(BODY=openai wrk -t1 -c"$c" -d"$DURATION" -s "$BENCH_DIR/post.lua" "http://127.0.0.1:${port[$name]}/v1/chat/completions" | grep '^RESULT')"
      t1="$(cpu_ticks "${pid[$name]}")"
      if ! echo "$line" | grep -q 'err_status=0 '; then echo "$name: requests failed: $line" >&2; exit 1; fi
      n="$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')"
      ticks[$name.$c]=$(( ${ticks[$name.$c]} + t1 - t0 ))
      requests[$name.$c]=$(( ${requests[$name.$c]} + n ))
    done
  done
done
echo "# CPU per request, 1 route vs $ROUTES routes (the used one last), $SWITCHYARD ($ROUNDS interleaved rounds of $DURATION, $(machine_load))"
echo
echo "| c | 1 route µs/request | $ROUTES routes µs/request | ratio |"
echo "|---|---|---|---|"
for c in $C; do
  a="$(awk -v t="${ticks[one.$c]}" -v n="${requests[one.$c]}" -v hz="$hz" 'BEGIN{printf "%.1f", t*1e6/hz/n}')"
  b="$(awk -v t="${ticks[many.$c]}" -v n="${requests[many.$c]}" -v hz="$hz" 'BEGIN{printf "%.1f", t*1e6/hz/n}')"
  echo "| $c | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}') |"
done
