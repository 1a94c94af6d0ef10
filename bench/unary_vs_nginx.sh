#!/usr/bin/env bash
# Issue #15's unary targets in one run: CPU per non-streaming request and p99 latency of
# `switchyard run --workers 1` (OpenAI chat in, Vertex out) against nginx as a plain proxy
# (bench/nginx-proxy, access log OFF), both in front of the same canned Vertex upstream over
# plaintext. wrk -t1 POST (bench/post.lua) at each concurrency, rounds interleaved (nginx,
# switchyard, nginx, ...); CPU = utime+stime of each proxy process over its rounds ÷ requests.
#   bench/unary_vs_nginx.sh    (ROUNDS=5 DURATION=5s C="1 16 64" PIN=split; results in
#                               bench/results/unary_vs_nginx.md, OUT= to change;
#                               SWITCHYARD_B=/other/switchyard adds a second build as switchyard_b;
#                               RATE=12000 RATE_C="16 64" adds rounds at a fixed offered load;
#                               API=openai: the OpenAI-schema backend instead of Vertex, see below)
#
# API=vertex (the default) is the gateway's main job: OpenAI chat in, Vertex out, translated both
# ways, while nginx forwards the Vertex body as is. API=openai sends the same OpenAI chat body to both:
# nginx forwards it to the upstream's /v1/chat/completions, Switchyard routes model canned-openai to
# an OpenAI-schema backend (the body passed through with its model checked, the answer read for its
# usage): the same bytes both ways, so what remains is the proxy's own cost, without the translation.
#
# wrk keeps c requests in flight, so each proxy runs at its own saturation point and the one that
# saturates its core also pays for waking its idle neighbours (wrk, the upstream). RATE=N adds, after
# the wrk rounds, the same interleaved rounds with h2load (--h1) offering N requests/s in total over
# each of RATE_C connections, below both proxies' limits: CPU per request at equal load.
#
# Switchyard runs as it ships: access log on, written to a file (its stdout), metrics on, no trace
# exporter. PIN=split (the default) puts both proxies on CPU 0 and wrk and the upstream on CPU 1
# (taskset), so each proxy gets the same core with the same neighbours; PIN=none leaves placement
# to the scheduler.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5s}"
C="${C:-1 16 64}"
PIN="${PIN:-split}"
OUT="${OUT:-$BENCH_DIR/results/unary_vs_nginx.md}"
RATE="${RATE:-}"
RATE_C="${RATE_C:-16 64}"
API="${API:-vertex}"
api_arg=""; [[ "$API" == vertex ]] || api_arg=" API=$API"
CPU_TARGET=1.3
P99_TARGET=2

case "$PIN" in
  split) proxy_cpus=0; load_cpus=1 ;;
  none) proxy_cpus=""; load_cpus="" ;;
  *) echo "PIN is split or none" >&2; exit 2 ;;
esac
pin() { [[ -z "$1" ]] || taskset -a -p -c "$1" "$2" > /dev/null; }
on_load_cpu() { if [[ -n "$load_cpus" ]]; then taskset -c "$load_cpus" "$@"; else "$@"; fi; }

bench_init unary-vs-nginx
declare -A port pid url body
load_before="$(machine_load)"
start_canned_upstream
pin "$load_cpus" "${pids[-1]}"

port[nginx]="$(free_port)"
ACCESS_LOG=off "$BENCH_DIR/nginx-proxy/start.sh" "${port[nginx]}" "$up_port" "$tmp/proxy" \
  > "$tmp/proxy.out" 2>&1 &
pid[nginx]=$!; pids+=("$!")
pin "$proxy_cpus" "${pid[nginx]}"
wait_http "http://127.0.0.1:${port[nginx]}/nginx_status"
case "$API" in
  vertex)
    url[nginx]="http://127.0.0.1:${port[nginx]}/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
    body[nginx]=vertex ;;
  openai)
    url[nginx]="http://127.0.0.1:${port[nginx]}/v1/chat/completions"; body[nginx]=openai
    export MODEL=canned-openai ;;  # post.lua's model, for every target
  *) echo "API is vertex or openai" >&2; exit 2 ;;
esac

targets=(nginx switchyard)
GATEWAY_STDOUT="$tmp/switchyard.access.log" start_gateway switchyard "$SWITCHYARD" "$tmp/routes.yaml"
if [[ -n "${SWITCHYARD_B:-}" ]]; then
  GATEWAY_STDOUT="$tmp/switchyard_b.access.log" \
    start_gateway switchyard_b "$SWITCHYARD_B" "$tmp/routes.yaml"
  targets+=(switchyard_b)
fi
for name in "${targets[@]}"; do
  [[ "$name" == nginx ]] && continue
  pin "$proxy_cpus" "${pid[$name]}"
  url[$name]="http://127.0.0.1:${port[$name]}/v1/chat/completions"; body[$name]=openai
done
# Warm-up of every target on its final CPUs (not reported).
for name in "${targets[@]}"; do
  BODY="${body[$name]}" on_load_cpu wrk -t1 -c16 -d2s -s "$BENCH_DIR/post.lua" "${url[$name]}" > /dev/null
done

# Rounds: name c requests proxy_ticks p50_us p99_us duration_us, one line per wrk run.
for c in $C; do
  for round in $(seq "$ROUNDS"); do
    for name in "${targets[@]}"; do
      t0="$(cpu_ticks "${pid[$name]}")"
      line="$(BODY="${body[$name]}" on_load_cpu wrk -t1 -c"$c" -d"$DURATION" -s "$BENCH_DIR/post.lua" \
        "${url[$name]}" | grep '^RESULT')"
      t1="$(cpu_ticks "${pid[$name]}")"
      if ! echo "$line" | grep -q 'err_connect=0 err_read=0 err_write=0 err_status=0 err_timeout=0'; then
        echo "$name at c=$c: requests failed: $line" >&2; exit 1
      fi
      echo "$line" | awk -v name="$name" -v c="$c" -v t=$((t1 - t0)) '{
        for (i = 2; i <= NF; ++i) { split($i, kv, "="); r[kv[1]] = kv[2] }
        print name, c, r["requests"], t, r["p50_us"], r["p99_us"], r["duration_us"] }' >> "$tmp/rounds"
      echo "c=$c round $round $name: $(tail -1 "$tmp/rounds")" >&2
    done
  done
done
# Fixed offered load: name c requests proxy_ticks, one line per h2load run, in $tmp/rate_rounds.
if [[ -n "$RATE" ]]; then
  prompt="You are a concise assistant. In two sentences, explain what an AI gateway does and why it falls back to another backend when the first one fails."
  printf '{"contents":[{"role":"user","parts":[{"text":"%s"}]}],"systemInstruction":{"parts":[{"text":"Answer briefly."}]},"generationConfig":{"temperature":0.2,"maxOutputTokens":256}}' \
    "$prompt" > "$tmp/vertex.json"
  printf '{"model":"gemini-2.5-flash","messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"%s"}],"temperature":0.2,"max_tokens":256}' \
    "$prompt" > "$tmp/openai.json"
  for c in $RATE_C; do
    for round in $(seq "$ROUNDS"); do
      for name in "${targets[@]}"; do
        t0="$(cpu_ticks "${pid[$name]}")"
        h2="$(on_load_cpu h2load --h1 -c "$c" --rps=$((RATE / c)) -D "${DURATION%s}" -d "$tmp/${body[$name]}.json" \
          -H 'content-type: application/json' "${url[$name]}")"
        t1="$(cpu_ticks "${pid[$name]}")"
        read -r total ok failed errored <<< "$(echo "$h2" | awk '/^requests:/ { print $2, $8, $10, $12 }')"
        if [[ "$failed" != 0 || "$errored" != 0 ]] || ! echo "$h2" | grep -q "status codes: $ok 2xx"; then
          echo "$name at c=$c, fixed rate: requests failed: $(echo "$h2" | grep -E '^(requests|status)')" >&2; exit 1
        fi
        echo "$name $c $ok $((t1 - t0))" >> "$tmp/rate_rounds"
        echo "rate c=$c round $round $name: $(tail -1 "$tmp/rate_rounds")" >&2
      done
    done
  done
fi
load_after="$(machine_load)"
sleep 1.5  # the access log's writer flushes on a timer
log_lines="$(wc -l < "$tmp/switchyard.access.log")"

hz="$(getconf CLK_TCK)"
us_per_request() {
  awk -v name="$1" -v c="$2" -v hz="$hz" \
    '$1 == name && $2 == c { t += $4; n += $3 } END { printf "%.1f", t * 1e6 / hz / n }' "$tmp/rounds"
}
# median NAME C FIELD: the median over the rounds of one field (5 = p50, 6 = p99).
median() {
  awk -v name="$1" -v c="$2" -v f="$3" '$1 == name && $2 == c { print $f }' "$tmp/rounds" | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# per_round_ratio NAME C FIELD: "median min max" over the rounds of NAME's FIELD ÷ nginx's in the
# same round (round k of NAME against round k of nginx).
per_round_ratio() {
  awk -v name="$1" -v c="$2" -v f="$3" '$2 == c && $1 == "nginx" { a[++i] = $f }
    $2 == c && $1 == name { b[++j] = $f } END { for (k = 1; k <= j; ++k) printf "%.3f\n", b[k] / a[k] }' \
    "$tmp/rounds" | sort -n | awk '{ v[NR] = $1 } END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}
# CPU per request per round (ticks ÷ requests) ratio: same pairing as per_round_ratio.
cpu_round_ratios() {
  awk -v name="$1" -v c="$2" '$2 == c && $1 == "nginx" { a[++i] = $4 / $3 }
    $2 == c && $1 == name { b[++j] = $4 / $3 } END { for (k = 1; k <= j; ++k) printf "%.3f\n", b[k] / a[k] }' \
    "$tmp/rounds" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f–%.2f", v[1], v[NR] }'
}
met() { awk -v x="$1" -v goal="$2" 'BEGIN { print (x <= goal) ? "**met**" : "**not met**" }'; }

{
  if [[ "$API" == openai ]]; then
    echo "# Unary, OpenAI-schema backend (no translation): Switchyard vs nginx plain proxy with its access log off (issue #15)"
  else
    echo "# Unary: Switchyard vs nginx plain proxy with its access log off (issue #15)"
  fi
  echo
  echo "Command: \`ROUNDS=$ROUNDS DURATION=$DURATION C=\"$C\" PIN=$PIN${RATE:+ RATE=$RATE RATE_C=\"$RATE_C\"}${api_arg} bench/unary_vs_nginx.sh\`," \
    "$(date -u '+%Y-%m-%d %H:%M') UTC, Switchyard $(git -C "$REPO_DIR" describe --always --dirty 2>/dev/null || echo '?')" \
    "(${SWITCHYARD#"$REPO_DIR"/}${SWITCHYARD_B:+; switchyard_b = ${SWITCHYARD_B#"$REPO_DIR"/}})."
  echo "Machine before: $load_before. After: $load_after. $(nginx -v 2>&1)."
  echo
  for name in "${targets[@]}"; do
    [[ "$name" == nginx ]] && continue
    echo "## Targets, $name ÷ nginx, from this run"
    echo
    echo "| target | measured | goal | met? |"
    echo "|---|---|---|---|"
    for c in $C; do
      r="$(awk -v a="$(us_per_request nginx "$c")" -v b="$(us_per_request "$name" "$c")" 'BEGIN { printf "%.2f", b / a }')"
      echo "| CPU per request at c=$c, $name ÷ nginx (all rounds; per-round range $(cpu_round_ratios "$name" "$c")) | $r × | ≤ $CPU_TARGET × | $(met "$r" "$CPU_TARGET") |"
    done
    if [[ " $C " == *" 16 "* ]]; then
      read -r m lo hi <<< "$(per_round_ratio "$name" 16 6)"
      echo "| p99 latency at c=16, $name ÷ nginx (median of per-round ratios, min–max $lo–$hi) | $m × | ≤ $P99_TARGET × | $(met "$m" "$P99_TARGET") |"
    fi
    echo
  done
  echo "## Per concurrency (CPU over all rounds; latency: median over the rounds)"
  echo
  echo "| c | proxy | requests/s | CPU µs/request | p50 µs | p99 µs | CPU ÷ nginx | p99 ÷ nginx (per-round median) |"
  echo "|---|---|---|---|---|---|---|---|"
  for c in $C; do
    for name in "${targets[@]}"; do
      rps="$(awk -v name="$name" -v c="$c" '$1 == name && $2 == c { n += $3; d += $7 } END { printf "%d", n * 1e6 / d }' "$tmp/rounds")"
      cpu="$(us_per_request "$name" "$c")"
      if [[ "$name" == nginx ]]; then ratio="–"; p99r="–"; else
        ratio="$(awk -v a="$(us_per_request nginx "$c")" -v b="$cpu" 'BEGIN { printf "%.2f", b / a }')"
        p99r="$(per_round_ratio "$name" "$c" 6 | cut -d' ' -f1)"
      fi
      echo "| $c | $name | $rps | $cpu | $(median "$name" "$c" 5) | $(median "$name" "$c" 6) | $ratio | $p99r |"
    done
  done
  echo
  if [[ -n "$RATE" ]]; then
    echo "## At a fixed offered load: $RATE requests/s in total (h2load --h1, $ROUNDS interleaved rounds of $DURATION)"
    echo
    echo "| c | proxy | requests | CPU µs/request | CPU ÷ nginx |"
    echo "|---|---|---|---|---|"
    for c in $RATE_C; do
      for name in "${targets[@]}"; do
        read -r n us <<< "$(awk -v name="$name" -v c="$c" -v hz="$hz" '$1 == name && $2 == c { t += $4; n += $3 }
          END { printf "%d %.1f", n, t * 1e6 / hz / n }' "$tmp/rate_rounds")"
        if [[ "$name" == nginx ]]; then ratio="–"; ng_us="$us"; else
          ratio="$(awk -v a="$ng_us" -v b="$us" 'BEGIN { printf "%.2f", b / a }')"
        fi
        echo "| $c | $name | $n | $us | $ratio |"
      done
    done
    echo
  fi
  echo "Switchyard access log lines written: $log_lines (one per request, warm-up included)."
  echo
  echo "## Method"
  echo
  if [[ "$API" == openai ]]; then
    echo "- Upstream: bench/canned-upstream (Debian nginx, one worker, no access log) answering a recorded OpenAI \`chat.completion\` JSON (\`chat.json\`) on \`/v1/chat/completions\`."
    echo "- nginx: bench/nginx-proxy (\`worker_processes 1\`, no master, keep-alive upstream pool of 64, \`proxy_http_version 1.1\`) started with \`ACCESS_LOG=off\` (its \`access_log\` line becomes \`access_log off;\`); wrk POSTs the OpenAI chat body (model canned-openai) to \`/v1/chat/completions\`."
    echo "- Switchyard: \`switchyard run --workers 1\` with bench/canned-upstream/manifest.yaml.template, **access log on as it ships, written to a file** (stdout redirected), metrics on, no trace exporter; wrk POSTs the same body to \`/v1/chat/completions\`, routed by its model to an OpenAI-schema backend: passed through (the body re-written with its model checked), the answer read for its usage."
  else
    echo "- Upstream: bench/canned-upstream (Debian nginx, one worker, no access log) answering the recorded Vertex \`generateContent\` JSON."
    echo "- nginx: bench/nginx-proxy (\`worker_processes 1\`, no master, keep-alive upstream pool of 64, \`proxy_http_version 1.1\`) started with \`ACCESS_LOG=off\` (its \`access_log\` line becomes \`access_log off;\`); wrk POSTs the Vertex body to \`...:generateContent\`."
    echo "- Switchyard: \`switchyard run --workers 1\` with bench/canned-upstream/manifest.yaml.template, **access log on as it ships, written to a file** (stdout redirected), metrics on, no trace exporter; wrk POSTs the OpenAI chat body to \`/v1/chat/completions\`, translated to Vertex and back."
  fi
  echo "- Load: \`wrk -t1 -c{$C} -d$DURATION -s bench/post.lua\`; for each concurrency $ROUNDS rounds, each round one run per proxy in the order ${targets[*]}; 2 s warm-up per proxy first. A run with any socket error or non-2xx stops the script."
  [[ -z "$RATE" ]] || echo "- Fixed offered load: \`h2load --h1 -c{$RATE_C} --rps=$RATE/c -D ${DURATION%s}\` with the same bodies, same rounds and CPU reading; a diagnostic beside the targets (which are defined on wrk)."
  echo "- CPU: utime+stime of the proxy process, all threads (/proc/PID/stat, $hz Hz ticks), read right before and after each run, summed over the rounds ÷ requests completed."
  if [[ "$PIN" == split ]]; then
    echo "- PIN=split: both proxies on CPU 0, wrk and the upstream on CPU 1 (taskset). Only one proxy is loaded at a time. The machine's 2 cores are shared with other people's work (load above)."
  else
    echo "- PIN=none: the scheduler places everything on the machine's 2 cores, shared with other people's work (load above)."
  fi
} > "$OUT"
cat "$OUT"
