# Shared helpers for the bash benchmarks (source this file). Loopback only; everything in a temp dir.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
SWITCHYARD="${SWITCHYARD:-$REPO_DIR/build/switchyard}"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL: until it answers at all (any status), at most ~5 s.
wait_http() {
  for _ in $(seq 100); do
    curl -s -o /dev/null -m 1 "$1" && return 0
    sleep 0.05
  done
  echo "timeout waiting for $1" >&2; return 1
}

# write_setup DIR UPSTREAM_PORT: manifest + a fresh service-account key (token_uri = upstream /token).
write_setup() {
  local dir="$1" port="$2"
  mkdir -p "$dir/secrets/sa"
  sed "s/__PORT__/$port/" "$BENCH_DIR/canned-upstream/manifest.yaml.template" > "$dir/routes.yaml"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa.pem" 2>/dev/null
  python3 - "$dir/sa.pem" "$port" > "$dir/secrets/sa/service_account.json" <<'PY'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "bench",
  "private_key": open(sys.argv[1]).read(), "client_email": "bench@p.iam.gserviceaccount.com",
  "client_id": "1", "token_uri": f"http://127.0.0.1:{sys.argv[2]}/token"}))
PY
}

# machine_load: one line for the results file.
machine_load() {
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(uname -r)"
}

# cpu_ticks PID: utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# --- A/B rounds against the canned upstream (ab_cpu.sh, routes_cpu.sh, ratelimit_cpu.sh) ---------
# The calling script declares `declare -A port pid` before start_gateway.

# bench_init NAME: a temp dir in $tmp, the pids array, and a trap that stops every process in it.
bench_init() {
  tmp="$(mktemp -d "/tmp/switchyard-$1.XXXXXX")"
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
}

# start_canned_upstream: the canned Vertex upstream in the background, its manifest and a fresh key
# in $tmp (write_setup); sets up_port.
start_canned_upstream() {
  up_port="$(free_port)"
  "$BENCH_DIR/canned-upstream/start.sh" "$up_port" "$tmp/nginx" > "$tmp/nginx.out" 2>&1 &
  pids+=("$!")
  wait_http "http://127.0.0.1:$up_port/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
  write_setup "$tmp" "$up_port"
}

# start_gateway NAME BINARY CONFIG [ARGS...]: `BINARY run --workers 1` on a free port, warmed up
# with 2 s of wrk at c=16; sets port[NAME] and pid[NAME], says on stderr how long it took to answer
# (start-up and config load). Its stdout (the access log) goes to $GATEWAY_STDOUT, /dev/null unless set.
start_gateway() {
  local name="$1" bin="$2" config="$3" start
  shift 3
  port[$name]="$(free_port)"
  start="$(date +%s%N)"
  "$bin" run --workers 1 -c "$config" --secrets-dir "$tmp/secrets" \
    --listen "127.0.0.1:${port[$name]}" --admin 127.0.0.1:0 "$@" > "${GATEWAY_STDOUT:-/dev/null}" 2> "$tmp/$name.err" &
  pid[$name]=$!; pids+=("$!")
  wait_http "http://127.0.0.1:${port[$name]}/v1/models"
  echo "$name: ready in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
  BODY=openai wrk -t1 -c16 -d2s -s "$BENCH_DIR/post.lua" "http://127.0.0.1:${port[$name]}/v1/chat/completions" > /dev/null
}

# run_rounds "C..." ROUNDS DURATION NAME...: for each concurrency, ROUNDS rounds of one wrk run per
# gateway, interleaved (A, B, A, B, ...). Appends one line per run to $tmp/rounds:
#   name c requests gateway_ticks p50_us p99_us watch_ticks duration_us
# watch_ticks: CPU ticks of $WATCH_PID over the run when set (e.g. a redis-server), else 0. Stops
# the script when a request failed (a non-2xx answer or a socket error).
run_rounds() {
  local cs="$1" rounds="$2" duration="$3" c name line t0 t1 w0 w1
  shift 3
  for c in $cs; do
    for _ in $(seq "$rounds"); do
      for name in "$@"; do
        w0=0; w1=0
        [[ -n "${WATCH_PID:-}" ]] && w0="$(cpu_ticks "$WATCH_PID")"
        t0="$(cpu_ticks "${pid[$name]}")"
        line="$(BODY=openai wrk -t1 -c"$c" -d"$duration" -s "$BENCH_DIR/post.lua" "http://127.0.0.1:${port[$name]}/v1/chat/completions" | grep '^RESULT')"
        t1="$(cpu_ticks "${pid[$name]}")"
        [[ -n "${WATCH_PID:-}" ]] && w1="$(cpu_ticks "$WATCH_PID")"
        if ! echo "$line" | grep -q 'err_connect=0 err_read=0 err_write=0 err_status=0 err_timeout=0'; then
          echo "$name at c=$c: requests failed: $line" >&2; exit 1
        fi
        echo "$line" | awk -v name="$name" -v c="$c" -v t=$((t1 - t0)) -v w=$((w1 - w0)) '{
          for (i = 2; i <= NF; ++i) { split($i, kv, "="); r[kv[1]] = kv[2] }
          print name, c, r["requests"], t, r["p50_us"], r["p99_us"], w, r["duration_us"] }' >> "$tmp/rounds"
      done
    done
  done
}

# us_per_request NAME C [FIELD]: CPU µs per request over every round of NAME at C, from the
# gateway's ticks (FIELD 4, the default) or the watched process's (FIELD 7).
us_per_request() {
  awk -v name="$1" -v c="$2" -v f="${3:-4}" -v hz="$(getconf CLK_TCK)" \
    '$1 == name && $2 == c { t += $f; n += $3 } END { printf "%.1f", t * 1e6 / hz / n }' "$tmp/rounds"
}
