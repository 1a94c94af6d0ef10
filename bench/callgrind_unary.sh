#!/usr/bin/env bash
# Instructions per non-streaming request under callgrind (repeatable whatever else the machine does):
# `switchyard run --workers 1` under valgrind, routed to the canned upstream, loaded by wrk -c4 for
# DURATION (default 20s); prints instructions per request and the heaviest of our own functions.
#   bench/callgrind_unary.sh        (OUT=dir keeps callgrind.out for callgrind_annotate / kcachegrind)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
DURATION="${DURATION:-20s}"
tmp="$(mktemp -d /tmp/switchyard-callgrind.XXXXXX)"
OUT="${OUT:-$tmp}"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

up_port="$(free_port)"; gw_port="$(free_port)"
"$BENCH_DIR/canned-upstream/start.sh" "$up_port" "$tmp/nginx" > "$tmp/nginx.out" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$up_port/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
write_setup "$tmp" "$up_port"
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
  "$SWITCHYARD" run --workers 1 -c "$tmp/routes.yaml" --secrets-dir "$tmp/secrets" \
  --listen "127.0.0.1:$gw_port" --admin 127.0.0.1:0 > /dev/null 2> "$tmp/gateway.err" &
gw_pid=$!
gw_url="http://127.0.0.1:$gw_port/v1/chat/completions"
for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$gw_port/v1/models" && break; sleep 0.5; done
BODY=openai wrk -t1 -c4 -d3s -s "$BENCH_DIR/post.lua" "$gw_url" > "$tmp/warmup.txt"
line="$(BODY=openai wrk -t1 -c4 -d"$DURATION" -s "$BENCH_DIR/post.lua" "$gw_url" | grep '^RESULT')"
warm="$(grep '^RESULT' "$tmp/warmup.txt" | sed 's/.*requests=\([0-9]*\).*/\1/')"
measured="$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')"
kill -INT "$gw_pid"; wait "$gw_pid" 2>/dev/null || true
total="$(callgrind_annotate "$OUT/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
echo "requests: $((warm + measured)) (warm-up $warm); instructions: $total (start-up included)"
echo "instructions per request: $((total / (warm + measured)))"
echo "heaviest of our own functions (inclusive):"
callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null | grep 'switchyard::' | head -15 | cut -c1-160
