#!/usr/bin/env bash
# What a Global rate limit (issue #14) costs per request: one switchyard build, `run --workers 1`,
# the same route to the canned Vertex upstream, four configurations measured in one run with wrk
# rounds interleaved (none, both, response, request, none, ...):
#   none      no rate limit (no --redis-url)
#   both      one Global rule on the route (BackendTrafficPolicy rateLimit), request cost 1 and a
#             response cost from an llmRequestCost (TotalToken): the check before the upstream
#             call, and the charge after the answer
#   response  the same rule with request cost 0: the check still reads the counter, the answer's
#             tokens are charged after it
#   request   request cost 1, no response cost: `both` minus the charge after the answer
# The limit (10^12 an hour) never refuses, and is far enough for every check after a worker's first
# to pass on its estimate of the counter, the increments going to Redis in batches
# (src/ratelimit/counter_estimates.hpp); the first check waits for Redis. The three limited gateways share one redis-server started
# here (`--save '' --appendonly no`). CPU = utime+stime of the gateway process (and of redis-server,
# separately) over its wrk runs ÷ requests; latency = wrk's p50/p99 per round.
#   bench/ratelimit_cpu.sh   (SWITCHYARD=path ROUNDS=4 DURATION=4s C="1 16 64")
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ROUNDS="${ROUNDS:-4}"
DURATION="${DURATION:-4s}"
C="${C:-1 16 64}"
CONFIGS=(none both response request)
bench_init ratelimit
start_canned_upstream

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
  > "$tmp/redis.out" 2>&1 &
redis_pid=$!; pids+=("$redis_pid")
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$redis_port" ping > /dev/null

# The same route everywhere, with its cost; only the policy differs.
sed 's/^      backendRefs: \[{name: canned}\]$/&\n  llmRequestCosts: [{metadataKey: tokens, type: TotalToken}]/' \
  "$tmp/routes.yaml" > "$tmp/none.yaml"
grep -q llmRequestCosts "$tmp/none.yaml"
policy() {  # policy NAME REQUEST_COST RESPONSE_COST_YAML
  printf -- '---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\n'
  printf 'metadata: {name: %s}\nspec:\n' "$1"
  printf '  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: bench}]\n'
  printf '  rateLimit:\n    type: Global\n    global:\n      rules:\n'
  printf '        - limit: {requests: 1000000000000, unit: Hour}\n'
  printf '          cost:\n            request: {from: Number, number: %s}\n' "$2"
  [[ -n "$3" ]] && printf '            response: %s\n' "$3"
  return 0
}
tokens='{from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: tokens}}'
# Each its own policy name, so its own Redis counter.
{ cat "$tmp/none.yaml"; policy both 1 "$tokens"; } > "$tmp/both.yaml"
{ cat "$tmp/none.yaml"; policy response 0 "$tokens"; } > "$tmp/response.yaml"
{ cat "$tmp/none.yaml"; policy request 1 ""; } > "$tmp/request.yaml"

declare -A port pid
start_gateway none "$SWITCHYARD" "$tmp/none.yaml"
for name in both response request; do
  start_gateway "$name" "$SWITCHYARD" "$tmp/$name.yaml" --redis-url "redis://127.0.0.1:$redis_port/0"
  # Counted through Redis, not in process (the header appears once the worker's connection is up).
  headers="$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}' \
    "http://127.0.0.1:${port[$name]}/v1/chat/completions")"
  if ! grep -qi '^x-ratelimit-limit:' <<< "$headers"; then
    echo "$name: no x-ratelimit-limit header, the rule is not counted:" >&2; echo "$headers" >&2; exit 1
  fi
done
keys_before="$(redis-cli -p "$redis_port" dbsize)"

WATCH_PID="$redis_pid" run_rounds "$C" "$ROUNDS" "$DURATION" "${CONFIGS[@]}"

# The counters Redis holds at the end, one per limited gateway: requests × request cost + the
# tokens charged (82 per answer of the canned upstream).
counters="$(redis-cli -p "$redis_port" --scan | sort | while read -r key; do
  echo "\`$key\` = $(redis-cli -p "$redis_port" get "$key")"; done)"
# Requests each gateway answered (the rounds, the warm-up's are not counted by wrk's RESULT).
served="$(for name in both response request; do
  echo "$name: $(awk -v name="$name" '$1 == name { n += $3 } END { print n }' "$tmp/rounds") requests in the rounds"
done)"

# ratio NAME C: pooled µs/request of NAME ÷ none's, then the per-round ratios' min–max.
ratio() {
  awk -v name="$1" -v c="$2" '
    $2 == c && $1 == "none" { a[++na] = $4 / $3; ta += $4; ra += $3 }
    $2 == c && $1 == name { b[++nb] = $4 / $3; tb += $4; rb += $3 }
    END {
      lo = 1e9; hi = 0
      for (i = 1; i <= nb; ++i) { r = b[i] / a[i]; if (r < lo) lo = r; if (r > hi) hi = r }
      printf "%.2f (%.2f–%.2f)", (tb / rb) / (ta / ra), lo, hi
    }' "$tmp/rounds"
}
# latency NAME C FIELD: median over the rounds (min–max), in µs.
latency() {
  awk -v name="$1" -v c="$2" -v f="$3" '$1 == name && $2 == c { print $f }' "$tmp/rounds" | sort -n |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                               printf "%d (%d–%d)", m, v[1], v[NR] }'
}
rps() {
  awk -v name="$1" -v c="$2" '$1 == name && $2 == c { n += $3; d += $8 } END { printf "%.0f", n * 1e6 / d }' \
    "$tmp/rounds"
}

echo "# Rate limit CPU and latency per request, $SWITCHYARD"
echo
echo "$ROUNDS interleaved rounds of $DURATION per configuration and concurrency ($(machine_load))."
echo "Redis keys before the rounds: $keys_before; counters at the end:"
echo
echo "$counters" | sed 's/^/- /'
echo
echo "$served" | sed 's/^/- /'
echo
echo "| c | configuration | gateway µs/request | ÷ none, pooled (rounds min–max) | redis-server µs/request | requests/s |"
echo "|---|---|---|---|---|---|"
for c in $C; do
  for name in "${CONFIGS[@]}"; do
    r="1.00"
    [[ "$name" != none ]] && r="$(ratio "$name" "$c")"
    echo "| $c | $name | $(us_per_request "$name" "$c") | $r | $(us_per_request "$name" "$c" 7) | $(rps "$name" "$c") |"
  done
done
echo
echo "| c | configuration | p50 µs, median of rounds (min–max) | p99 µs, median of rounds (min–max) |"
echo "|---|---|---|---|"
for c in $C; do
  for name in "${CONFIGS[@]}"; do
    echo "| $c | $name | $(latency "$name" "$c" 5) | $(latency "$name" "$c" 6) |"
  done
done
