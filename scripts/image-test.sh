#!/usr/bin/env bash
# Builds the image (scripts/image.sh) and runs the offline demo in it the way a cluster would:
# read-only root filesystem, every capability dropped, uid 65532, no new privileges. Asks one chat
# completion of the demo's virtual model through the fallback, checks admin /healthz and /readyz,
# stops the container with SIGTERM (podman stop) and checks exit status 0. Prints the image size.
# Warm (rootfs cached, binary built): about 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
image=$(scripts/image.sh | tail -n 1)
build_s=$((SECONDS - t0))
export CONTAINERS_CONF=${SWITCHYARD_CACHE:-/var/cache/switchyard}/containers.conf  # written by image.sh

port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listen=$(port) admin=$(port)
name=switchyard-image-test-$$
cid=""
cleanup() { [[ -z $cid ]] || podman rm -f "$cid" >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() { echo "image-test: FAIL: $*" >&2; [[ -z $cid ]] || podman logs "$cid" >&2 || true; exit 1; }

cid=$(timeout 60 podman run -d --name "$name" --read-only --cap-drop=ALL --user 65532 \
  --security-opt no-new-privileges --network=host \
  "$image" demo --listen "127.0.0.1:$listen" --admin "127.0.0.1:$admin")

ready=""
for _ in $(seq 1 100); do
  if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/readyz") == 200 ]]; then ready=1; break; fi
  [[ $(podman inspect -f '{{.State.Running}}' "$cid") == true ]] || fail "the container exited early"
  sleep 0.1
done
[[ -n $ready ]] || fail "/readyz never answered 200"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/healthz") == 200 ]] || fail "/healthz"

# The request `switchyard demo` prints: priority 0 (a host that does not resolve) fails over to
# gemini-2.5-flash on the emulator, over TLS verified with the CA store in the image.
answer=$(curl -s --max-time 20 "http://127.0.0.1:$listen/v1/chat/completions" \
  -H 'Content-Type: application/json' \
  -d '{"model":"vertex-virtual-model","messages":[{"role":"user","content":"Hello from the demo"}]}')
python3 - "$answer" <<'PY' || fail "unexpected answer: $answer"
import json, sys
a = json.loads(sys.argv[1])
assert a["object"] == "chat.completion", a
assert a["model"] == "gemini-2.5-flash", a["model"]
msg = a["choices"][0]["message"]
assert msg["role"] == "assistant" and "Hello from the demo" in msg["content"], msg
assert a["choices"][0]["finish_reason"] == "stop", a["choices"][0]
PY
podman logs "$cid" 2>/dev/null | grep -q '"outcome":"upstream_dns"' || fail "the access log shows no failed primary attempt"

timeout 60 podman stop -t 20 "$cid" >/dev/null
status=$(podman inspect -f '{{.State.ExitCode}}' "$cid")
[[ $status == 0 ]] || fail "exit status $status after SIGTERM"

size=$(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1 / 1e6}')
echo "image-test: ok: $image ($size), built in ${build_s} s, demo answered through the fallback, SIGTERM exit 0, total $((SECONDS - t0)) s"
