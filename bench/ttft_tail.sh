#!/usr/bin/env bash
# Time to first token at the tail: direct to the canned Vertex upstream vs nginx as a plain proxy vs
# `switchyard run --workers 1`, many thousands of streamed requests per target, rounds interleaved,
# measured by build/ttft_client (bench/ttft/, blocking sockets, a few µs per request), with 95%
# confidence intervals from build/ttft_report; then h2load as a cross-check, over the gateway's h2c
# listener too. Each gateway's CPU per stream (utime + stime over its streams) goes with them.
#   bench/ttft_tail.sh      (ROUNDS=100 PER_ROUND=100 WARMUP=500 PIN=split RT=0 H2LOAD_N=10000;
#                            results in bench/results/ttft_tail.md, OUT= to change; KEEP=FILE keeps
#                            the samples; SWITCHYARD_B=/other/switchyard adds a fourth target,
#                            switchyard_b, to compare two builds in the same run)
#
# PIN=split (the default) puts the three servers on CPU 0 and the client on CPU 1 (taskset): on two
# cores the client then never queues behind the servers it measures, and all three targets share
# the same core with the same neighbours. PIN=none lets the scheduler place everything.
# RT=1 also runs the servers and the client under SCHED_FIFO (chrt, needs root): on a machine busy
# with other work a wake-up then preempts it at once instead of waiting for a time slice, so the
# tail shows the servers rather than the run queue. The benchmark's own chain keeps one core busy
# either way; the kernel's RT throttling (sched_rt_runtime_us) still leaves others 5%.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ROUNDS="${ROUNDS:-100}"
PER_ROUND="${PER_ROUND:-100}"
WARMUP="${WARMUP:-500}"
PIN="${PIN:-split}"
RT="${RT:-0}"
H2LOAD_N="${H2LOAD_N:-10000}"
OUT="${OUT:-$BENCH_DIR/results/ttft_tail.md}"
BUILD="${BUILD:-$REPO_DIR/build}"

cmake --build "$BUILD" --target ttft_client ttft_report > /dev/null
[[ -x "$SWITCHYARD" ]] || cmake --build "$BUILD" --target switchyard > /dev/null

case "$PIN" in
  split) server_cpus=0; client_cpus=1 ;;
  none) server_cpus=""; client_cpus="" ;;
  *) echo "PIN is split or none" >&2; exit 2 ;;
esac
# pin PID: every thread of a started server onto the servers' CPU (threads it starts later inherit),
# and under SCHED_FIFO with RT=1.
pin() {
  [[ -z "$server_cpus" ]] || taskset -a -p -c "$server_cpus" "$1" > /dev/null
  [[ "$RT" != 1 ]] || chrt -a -f -p 50 "$1"
}
on_client_cpu() {
  local prefix=()
  [[ -z "$client_cpus" ]] || prefix+=(taskset -c "$client_cpus")
  [[ "$RT" != 1 ]] || prefix+=(chrt -f 50)
  "${prefix[@]}" "$@"
}

bench_init ttft-tail
declare -A port pid
load_before="$(machine_load)"
start_canned_upstream
pin "${pids[-1]}"
proxy_port="$(free_port)"
"$BENCH_DIR/nginx-proxy/start.sh" "$proxy_port" "$up_port" "$tmp/proxy" > "$tmp/proxy.out" 2>&1 &
pids+=("$!")
pin "$!"
wait_http "http://127.0.0.1:$proxy_port/nginx_status"
start_gateway switchyard "$SWITCHYARD" "$tmp/routes.yaml"
pin "${pid[switchyard]}"
second_build=()
if [[ -n "${SWITCHYARD_B:-}" ]]; then
  start_gateway switchyard_b "$SWITCHYARD_B" "$tmp/routes.yaml"
  pin "${pid[switchyard_b]}"
  second_build=(switchyard_b "${port[switchyard_b]}" content /v1/chat/completions "$tmp/openai.json")
fi

vertex_path="/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
prompt="Explain in two sentences what an AI gateway does."
printf '{"contents":[{"role":"user","parts":[{"text":"%s"}]}],"generationConfig":{"maxOutputTokens":256}}' \
  "$prompt" > "$tmp/vertex.json"
printf '{"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"%s"}],"max_tokens":256}' \
  "$prompt" > "$tmp/openai.json"

echo "ttft_client: $ROUNDS rounds x $PER_ROUND requests per target (+$WARMUP warm-up), PIN=$PIN RT=$RT" >&2
gateways=(switchyard)
[[ -z "${SWITCHYARD_B:-}" ]] || gateways+=(switchyard_b)
declare -A ticks
for g in "${gateways[@]}"; do ticks[$g]="$(cpu_ticks "${pid[$g]}")"; done
started="$(date +%s)"
on_client_cpu "$BUILD/ttft_client" "$ROUNDS" "$PER_ROUND" "$WARMUP" "$tmp/samples.tsv" \
  direct "$up_port" data "$vertex_path" "$tmp/vertex.json" \
  nginx "$proxy_port" data "$vertex_path" "$tmp/vertex.json" \
  switchyard "${port[switchyard]}" content /v1/chat/completions "$tmp/openai.json" \
  "${second_build[@]}"
seconds=$(( $(date +%s) - started ))
load_after="$(machine_load)"
# Each gateway's CPU (utime + stime, all its threads) over its own streams, warm-up included: the
# rounds are interleaved, so it served no other.
streams=$(( ROUNDS * PER_ROUND + WARMUP ))
cpu_table="$(
  echo "| gateway CPU per stream (whole process, /proc/PID/stat, $streams streams) | µs |"
  echo "|---|---|"
  for g in "${gateways[@]}"; do
    used=$(( $(cpu_ticks "${pid[$g]}") - ticks[$g] ))
    awk -v g="$g" -v t="$used" -v n="$streams" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "| %s | %.1f |\n", g, t * 1e6 / hz / n }'
  done
)"
[[ -z "${KEEP:-}" ]] || cp "$tmp/samples.tsv" "$KEEP"
tables="$("$BUILD/ttft_report" "$tmp/samples.tsv" direct)"

# h2load cross-check, one connection, requests one after the other. Its "time for request" is per
# request (the canned stream is sent at once, so it ends a few µs after the first token); its "time
# to 1st byte" is per connection (from connect to the first byte of the first answer), so with one
# connection it is one sample.
h2load_row() {
  local name="$1" url="$2" body="$3"
  shift 3
  local out
  out="$(on_client_cpu h2load -n "$H2LOAD_N" -c 1 -m 1 -d "$body" -H 'content-type: application/json' "$@" "$url")"
  if ! echo "$out" | grep -q "succeeded, 0 failed"; then echo "h2load $name: $(echo "$out" | grep requests:)" >&2; exit 1; fi
  echo "$out" | awk -v name="$name" '
    /^time for request:/ { req = $4 " / " $6 " / " $5 " / " $7 }
    /^time to 1st byte:/ { ttfb = $5 }
    END { printf "| %s | %s | %s |\n", name, req, ttfb }'
}
h2load_table="$(
  echo "| h2load, $H2LOAD_N requests, c=1 | time for request min / mean / max / sd | time to 1st byte (1 sample) |"
  echo "|---|---|---|"
  h2load_row "direct, HTTP/1.1" "http://127.0.0.1:$up_port$vertex_path" "$tmp/vertex.json" --h1
  h2load_row "nginx, HTTP/1.1" "http://127.0.0.1:$proxy_port$vertex_path" "$tmp/vertex.json" --h1
  h2load_row "switchyard, HTTP/1.1" "http://127.0.0.1:${port[switchyard]}/v1/chat/completions" "$tmp/openai.json" --h1
  h2load_row "switchyard, h2c" "http://127.0.0.1:${port[switchyard]}/v1/chat/completions" "$tmp/openai.json"
)"
load_end="$(machine_load)"

{
  echo "# Time to first token at the tail: direct vs nginx vs Switchyard"
  echo
  echo "\`ROUNDS=$ROUNDS PER_ROUND=$PER_ROUND WARMUP=$WARMUP PIN=$PIN RT=$RT bench/ttft_tail.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC,"
  echo "commit $(git -C "$REPO_DIR" rev-parse --short HEAD)$(git -C "$REPO_DIR" diff --quiet HEAD -- src || echo ' (src modified)'), $ROUNDS rounds × $PER_ROUND streamed requests per target, $seconds s."
  echo
  echo "Machine: before $load_before; after the samples $load_after; after h2load $load_end."
  echo
  echo "Method: \`build/ttft_client\` (\`bench/ttft/\`), one keep-alive HTTP/1.1 connection per target, streamed"
  echo "requests one after the other, $PER_ROUND per target per round, the first target rotating each round, $WARMUP"
  echo "warm-up requests per target first. TTFT = CLOCK_MONOTONIC from just before the request's send() to"
  echo "the recv() that brought the first byte of the first SSE event with content: for direct and nginx the"
  echo "first \`data:\` event of the canned Vertex stream (all 7 events come in one write), for Switchyard"
  echo "(\`run --workers 1\`, OpenAI chat in, Vertex out over plaintext) the first chunk with non-empty"
  echo "\`delta.content\` (the role chunk before it has \`\"content\":\"\"\`). Every stream is read to its end and"
  echo "checked (status 200, a content event, \`[DONE]\` for Switchyard). nginx = \`bench/nginx-proxy/\`"
  echo "(one worker, keep-alive upstream pool, access log on). PIN=$PIN: $([[ $PIN == split ]] && echo 'servers on CPU 0, client and h2load on CPU 1' || echo 'no pinning'); RT=$RT: $([[ $RT == 1 ]] && echo 'servers and client under SCHED_FIFO 50' || echo 'normal priority')."
  echo "Quantiles are order statistics; [95% CI] from ttft_report's bootstrap over whole rounds, paired across"
  echo "targets for the added TTFT (the same rounds drawn for both)."
  echo
  echo "$tables"
  echo
  echo "$cpu_table"
  echo
  echo "$h2load_table"
} > "$OUT"
cat "$OUT"
