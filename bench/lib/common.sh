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
