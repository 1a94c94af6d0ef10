#!/usr/bin/env bash
# CPU per unary request of the upstream client, HTTP/1.1 vs HTTP/2, to one TLS upstream: Debian's
# nginx answering the canned Vertex JSON on two TLS ports (one without and one with http2), and
# build/upstream_cpu measuring its own thread (so nginx's CPU is not counted) at c=1, 16, 64.
# Then HTTP/2 once more against nghttpd (Debian's nghttp2-server) serving the same body, if it is
# installed: nginx resets every HTTP/2 stream after its answer (see the results file), nghttpd
# does not. HTTP/1.1 is nginx in both tables.
#   bench/upstream_h2.sh      (REQUESTS=20000 per run, ROUNDS=5; results in bench/results/upstream_h2.md)
# What the results file holds from a line "<!-- notes -->" on is kept (written by hand).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
REQUESTS="${REQUESTS:-20000}"
ROUNDS="${ROUNDS:-5}"
OUT="${OUT:-$BENCH_DIR/results/upstream_h2.md}"
BUILD="${BUILD:-$REPO_DIR/build}"
tmp="$(mktemp -d /tmp/switchyard-bench-h2.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

cmake --build "$BUILD" --target upstream_cpu > /dev/null

# A self-signed certificate for 127.0.0.1, trusted by the client as its own CA.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2> /dev/null

h1_port="$(free_port)"; h2_port="$(free_port)"
mkdir -p "$tmp/nginx/tmp" "$tmp/nginx/logs"
sed "s|listen 127.0.0.1:__PORT__ reuseport backlog=4096;|listen 127.0.0.1:$h1_port ssl backlog=4096; listen 127.0.0.1:$h2_port ssl http2 backlog=4096; ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem; http2_max_concurrent_streams 128;|" \
  "$BENCH_DIR/canned-upstream/nginx.conf" > "$tmp/nginx/nginx.conf"
load_before="$(machine_load)"
nginx -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" > "$tmp/nginx.out" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do
  curl -sk -o /dev/null --http2 "https://127.0.0.1:$h2_port/" && break
  sleep 0.05
done
# Sanity: h2 on one port, HTTP/1.1 only on the other.
[[ "$(curl -sk -o /dev/null -w '%{http_version}' --http2 "https://127.0.0.1:$h2_port/")" == 2 ]] || { echo "no h2 on $h2_port" >&2; exit 1; }
[[ "$(curl -sk -o /dev/null -w '%{http_version}' --http2 "https://127.0.0.1:$h1_port/")" == 1.1 ]] || { echo "h2 on $h1_port" >&2; exit 1; }

# nghttpd serves files: the canned generateContent body at the path upstream_cpu asks for.
nghttpd_port=""
if command -v nghttpd > /dev/null; then
  target="v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
  mkdir -p "$tmp/htdocs/$(dirname "$target")"
  python3 - "$BENCH_DIR/canned-upstream/nginx.conf" "$tmp/htdocs/$target" <<'PY'
import re, sys
conf = open(sys.argv[1]).read()
body = re.search(r":generateContent\$ \{\s*default_type application/json;\s*return 200 '(.*?)';", conf, re.S)
open(sys.argv[2], "w").write(body.group(1))
PY
  nghttpd_port="$(free_port)"
  nghttpd -d "$tmp/htdocs" "$nghttpd_port" "$tmp/key.pem" "$tmp/cert.pem" > "$tmp/nghttpd.out" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do
    curl -sk -o /dev/null --http2 "https://127.0.0.1:$nghttpd_port/" && break
    sleep 0.05
  done
fi

table="$("$BUILD/upstream_cpu" "$h1_port" "$h2_port" "$tmp/cert.pem" "$REQUESTS" "$ROUNDS")"
table_nghttpd=""
if [[ -n "$nghttpd_port" ]]; then
  table_nghttpd="$("$BUILD/upstream_cpu" "$h1_port" "$nghttpd_port" "$tmp/cert.pem" "$REQUESTS" "$ROUNDS")"
fi
load_after="$(machine_load)"

# Instructions per request at c=1 (callgrind, user space only): the same on a busy machine.
# One TLS handshake each, spread over the 50 warm-up and 4000 measured requests.
instructions=""
if command -v valgrind > /dev/null; then
  declare -A ir
  for p in h1 h2; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$p" "$BUILD/upstream_cpu" \
      "$h1_port" "$h2_port" "$tmp/cert.pem" 4000 1 "$p" 1 > /dev/null 2>&1
    ir[$p]="$(awk '/^summary:/ { printf "%d", $2 / 4050 }' "$tmp/cg.$p")"
  done
  instructions="Instructions per request at c=1 (callgrind, the client's user space, handshake included): HTTP/1.1 ${ir[h1]}, HTTP/2 ${ir[h2]} ($(awk -v a="${ir[h1]}" -v b="${ir[h2]}" 'BEGIN { printf "%.2f", b / a }')×)"
  if [[ -n "$nghttpd_port" ]]; then
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.ng" "$BUILD/upstream_cpu" \
      "$h1_port" "$nghttpd_port" "$tmp/cert.pem" 4000 1 h2 1 > /dev/null 2>&1
    ir[ng]="$(awk '/^summary:/ { printf "%d", $2 / 4050 }' "$tmp/cg.ng")"
    instructions+="; HTTP/2 to nghttpd ${ir[ng]} ($(awk -v a="${ir[h1]}" -v b="${ir[ng]}" 'BEGIN { printf "%.2f", b / a }')×)"
  fi
  instructions+="."
fi
notes="$(sed -n '/^<!-- notes -->$/,$p' "$OUT" 2> /dev/null || true)"
{
  echo "# Upstream client: CPU per unary request, HTTP/1.1 vs HTTP/2"
  echo
  echo "\`bench/upstream_h2.sh\` (REQUESTS=$REQUESTS per run, ROUNDS=$ROUNDS, medians). One TLS upstream:"
  echo "Debian nginx answering the canned Vertex JSON on a TLS port without and one with http2. The"
  echo "client (\`bench/upstream/upstream_cpu.cpp\`, one thread, one io_context, as a worker) sends the"
  echo "same POST with \`concurrency\` loops; CPU is its own thread's (CLOCK_THREAD_CPUTIME_ID), so"
  echo "nginx is left out; wall time per request is the loop's over the run. HTTP/1.1 opens one"
  echo "keep-alive connection per concurrent loop, HTTP/2 carries them as streams on one connection."
  echo
  echo "$table"
  echo
  if [[ -n "$table_nghttpd" ]]; then
    echo "The same, HTTP/2 to nghttpd (one thread) serving the same body as a file; HTTP/1.1 is nginx"
    echo "again, measured anew in the same rounds:"
    echo
    echo "$table_nghttpd"
    echo
  fi
  [[ -n "$instructions" ]] && { echo "$instructions"; echo; }
  echo "Machine: before: $load_before; after: $load_after."
  [[ -n "$notes" ]] && { echo; echo "$notes"; }
} > "$OUT"
cat "$OUT"
