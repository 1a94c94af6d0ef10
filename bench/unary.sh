#!/usr/bin/env bash
# Unary requests: wrk direct to the canned upstream's :generateContent vs through
# `switchyard run --workers 1` routed to the same upstream, at c=1 and c=32, in one run.
#   bench/unary.sh            (DURATION=10s by default; results in bench/results/unary.md)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
DURATION="${DURATION:-10s}"
OUT="${OUT:-$BENCH_DIR/results/unary.md}"
tmp="$(mktemp -d /tmp/switchyard-bench-unary.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

up_port="$(free_port)"; gw_port="$(free_port)"
load_before="$(machine_load)"
"$BENCH_DIR/canned-upstream/start.sh" "$up_port" "$tmp/nginx" > "$tmp/nginx.out" 2>&1 &
up_pid=$!; pids+=("$up_pid")
vertex_url="http://127.0.0.1:$up_port/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
wait_http "$vertex_url"

write_setup "$tmp" "$up_port"
"$SWITCHYARD" run --workers 1 -c "$tmp/routes.yaml" --secrets-dir "$tmp/secrets" \
  --listen "127.0.0.1:$gw_port" --admin 127.0.0.1:0 > /dev/null 2> "$tmp/gateway.err" &
gw_pid=$!; pids+=("$gw_pid")
gw_url="http://127.0.0.1:$gw_port/v1/chat/completions"
wait_http "http://127.0.0.1:$gw_port/v1/models"

# Sanity: both paths answer 200 with the recorded content before anything is measured.
check() {
  local code
  code="$(curl -s -o "$tmp/check.json" -w '%{http_code}' -H 'content-type: application/json' -d "$2" "$1")"
  if [[ "$code" != 200 ]]; then echo "sanity check failed ($code) for $1: $(cat "$tmp/check.json")" >&2; exit 1; fi
}
check "$vertex_url" '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}'
check "$gw_url" '{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}'
grep -q '"content":"Switchyard is a gateway' "$tmp/check.json" || { echo "unexpected gateway answer: $(cat "$tmp/check.json")" >&2; exit 1; }

hz="$(getconf CLK_TCK)"
declare -A R
# run NAME URL BODY C: one wrk run; fills R[NAME.*]; CPU of the gateway over the run when NAME=gateway*.
run() {
  local name="$1" url="$2" body="$3" c="$4" line t0 t1
  t0="$(cpu_ticks "$gw_pid")"
  line="$(BODY="$body" wrk -t1 -c"$c" -d"$DURATION" --latency -s "$BENCH_DIR/post.lua" "$url" | tee "$tmp/wrk-$name.txt" | grep '^RESULT')"
  t1="$(cpu_ticks "$gw_pid")"
  eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed "s/^/R[$name./; s/=/]=/")"
  R[$name.cpu_ticks]=$((t1 - t0))
  R[$name.non2xx]="$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk-$name.txt")"
  echo "$name: $line cpu_ticks=${R[$name.cpu_ticks]} non2xx=${R[$name.non2xx]:-0}" >&2
}

# Warm-up (not reported): connections, allocator, token cache.
BODY=openai wrk -t1 -c32 -d2s -s "$BENCH_DIR/post.lua" "$gw_url" > /dev/null
BODY=vertex wrk -t1 -c32 -d2s -s "$BENCH_DIR/post.lua" "$vertex_url" > /dev/null

for c in 1 32; do
  run "direct$c" "$vertex_url" vertex "$c"
  run "gateway$c" "$gw_url" openai "$c"
done
load_after="$(machine_load)"

fmt_lat() { awk -v u="$1" 'BEGIN { if (u >= 1000) printf "%.2f ms", u/1000; else printf "%d µs", u }'; }
rps() { awk -v n="${R[$1.requests]}" -v d="${R[$1.duration_us]}" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }
cpu_us() { awk -v t="${R[$1.cpu_ticks]}" -v hz="$hz" -v n="${R[$1.requests]}" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'; }
errs() { echo "$(( ${R[$1.err_connect]} + ${R[$1.err_read]} + ${R[$1.err_write]} + ${R[$1.err_timeout]} )) / ${R[$1.non2xx]:-0}"; }

{
  echo "# Unary: gateway vs direct to the canned upstream (one run, $(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Command: \`bench/unary.sh\` (DURATION=$DURATION) — \`wrk -t1 -c{1,32} -d$DURATION --latency -s bench/post.lua\`,"
  echo "direct = POST the Vertex body to the canned nginx \`...:generateContent\`; gateway = POST an OpenAI chat body to"
  echo "\`switchyard run --workers 1\` (access log to /dev/null) routed to the same nginx over plaintext."
  echo "Gateway CPU = utime+stime of the gateway process (/proc/PID/stat, ${hz} Hz ticks) over the wrk run ÷ requests."
  echo "Machine before: $load_before. After: $load_after."
  echo
  echo "| target | c | requests/s | p50 | p99 | gateway CPU µs/request | socket errors / non-2xx |"
  echo "|---|---|---|---|---|---|---|"
  for c in 1 32; do
    echo "| direct | $c | $(rps direct$c) | $(fmt_lat "${R[direct$c.p50_us]}") | $(fmt_lat "${R[direct$c.p99_us]}") | – | $(errs direct$c) |"
    echo "| gateway | $c | $(rps gateway$c) | $(fmt_lat "${R[gateway$c.p50_us]}") | $(fmt_lat "${R[gateway$c.p99_us]}") | $(cpu_us gateway$c) | $(errs gateway$c) |"
  done
  echo
  for c in 1 32; do
    echo "Added latency at c=$c (gateway − direct): p50 $(printf '%+d' $(( ${R[gateway$c.p50_us]} - ${R[direct$c.p50_us]} ))) µs, p99 $(printf '%+d' $(( ${R[gateway$c.p99_us]} - ${R[direct$c.p99_us]} ))) µs."
  done
  echo
  echo "Ratios, same run: requests/s gateway/direct = $(awk -v g="$(rps gateway1)" -v d="$(rps direct1)" 'BEGIN{printf "%.2f", g/d}') at c=1, $(awk -v g="$(rps gateway32)" -v d="$(rps direct32)" 'BEGIN{printf "%.2f", g/d}') at c=32."
  echo "2 cores shared by wrk, nginx and the gateway: read requests/s as ratios; CPU µs/request is the steadier figure."
} > "$OUT"
cat "$OUT"
