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
tmp="$(mktemp -d /tmp/switchyard-ab.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

up_port="$(free_port)"
"$BENCH_DIR/canned-upstream/start.sh" "$up_port" "$tmp/nginx" > "$tmp/nginx.out" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$up_port/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
write_setup "$tmp" "$up_port"

declare -A port pid
for name in A B; do
  port[$name]="$(free_port)"
  "${!name}" run --workers 1 -c "$tmp/routes.yaml" --secrets-dir "$tmp/secrets" \
    --listen "127.0.0.1:${port[$name]}" --admin 127.0.0.1:0 > /dev/null 2> "$tmp/$name.err" &
  pid[$name]=$!; pids+=("$!")
  wait_http "http://127.0.0.1:${port[$name]}/v1/models"
  BODY=openai wrk -t1 -c16 -d2s -s "$BENCH_DIR/post.lua" "http://127.0.0.1:${port[$name]}/v1/chat/completions" > /dev/null
done

hz="$(getconf CLK_TCK)"
declare -A ticks requests
for c in $C; do
  for name in A B; do ticks[$name.$c]=0; requests[$name.$c]=0; done
  for _ in $(seq "$ROUNDS"); do
    for name in A B; do
      t0="$(cpu_ticks "${pid[$name]}")"
      line="$(BODY=openai wrk -t1 -c"$c" -d"$DURATION" -s "$BENCH_DIR/post.lua" "http://127.0.0.1:${port[$name]}/v1/chat/completions" | grep '^RESULT')"
      t1="$(cpu_ticks "${pid[$name]}")"
      n="$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')"
      ticks[$name.$c]=$(( ${ticks[$name.$c]} + t1 - t0 ))
      requests[$name.$c]=$(( ${requests[$name.$c]} + n ))
    done
  done
done
echo "# CPU per request, A = $A, B = $B ($ROUNDS interleaved rounds of $DURATION, $(machine_load))"
echo
echo "| c | A µs/request | B µs/request | B ÷ A |"
echo "|---|---|---|---|"
for c in $C; do
  a="$(awk -v t="${ticks[A.$c]}" -v n="${requests[A.$c]}" -v hz="$hz" 'BEGIN{printf "%.1f", t*1e6/hz/n}')"
  b="$(awk -v t="${ticks[B.$c]}" -v n="${requests[B.$c]}" -v hz="$hz" 'BEGIN{printf "%.1f", t*1e6/hz/n}')"
  echo "| $c | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}') |"
done
