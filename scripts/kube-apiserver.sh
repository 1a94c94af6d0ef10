#!/usr/bin/env bash
# A real Kubernetes API server (v1.20.2 from Debian bookworm's source package) for tests.
#   scripts/kube-apiserver.sh build        build once, cache outside the checkout; prints the binary's path
#   scripts/kube-apiserver.sh path         prints the cached binary's path (exit 1 if not built)
#   scripts/kube-apiserver.sh up DIR       etcd + apiserver on free 127.0.0.1 ports; DIR/kubeconfig (admin)
#   scripts/kube-apiserver.sh down DIR     stop both (apiserver first), by PID
# Env: KAS_CACHE (default /var/cache/switchyard), KAS_READY_TIMEOUT (s, default 60).
# See docs notes: kubernetes 1.20.5+really1.20.2 ships vendor/; three fixes (rsync+jq, make in GOPATH
# mode, reflect2 1.0.2 swapped in for the vendored 1.0.1 that faults on custom resources).
set -euo pipefail

VERSION=1.20.5+really1.20.2
CACHE=${KAS_CACHE:-/var/cache/switchyard}
OUT=$CACHE/kube-apiserver-$VERSION
BIN=$OUT/kube-apiserver
DEPS=(golang-go rsync jq etcd-server etcd-client golang-github-modern-go-reflect2-dev openssl curl python3)

log() { echo "kube-apiserver.sh: $*" >&2; }

need_pkgs() {
  local missing=()
  for p in "${DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    local sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

build() {
  if [[ -x $BIN ]]; then echo "$BIN"; return; fi
  need_pkgs
  local t0=$SECONDS W S
  W=$(mktemp -d /tmp/k8s-build.XXXXXX); chmod 755 "$W"
  S=$W/aptsrc
  mkdir -p "$S/parts" "$S/lists/partial" "$W/src"
  # A deb-src list derived from the host's own sources (so no host is named here).
  local found=
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    sed 's/^Types: deb$/Types: deb-src/' "$f" > "$S/parts/$(basename "$f")"; found=1
  done
  if [[ -f /etc/apt/sources.list ]] && grep -q '^deb ' /etc/apt/sources.list; then
    mkdir -p "$S/list.d"
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$S/parts/from-list.list"; found=1
  fi
  [[ -n $found ]] || { log "no apt sources found"; exit 1; }
  local A=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$S/parts" -o "Dir::State::Lists=$S/lists")
  (cd "$S" && apt-get "${A[@]}" update -qq >&2 && apt-get "${A[@]}" source --download-only kubernetes >&2)
  cd "$W/src"
  [[ -f $S/kubernetes_${VERSION}.orig.tar.gz ]] || { log "apt-get source did not give kubernetes_${VERSION}.orig.tar.gz (only $VERSION is known to build)"; exit 1; }
  tar --strip-components=1 -xzf "$S/kubernetes_${VERSION}.orig.tar.gz"
  local V=vendor/github.com/modern-go/reflect2
  rm -f "$V"/*.go "$V"/*.s
  cp /usr/share/gocode/src/github.com/modern-go/reflect2/*.go /usr/share/gocode/src/github.com/modern-go/reflect2/*.s "$V"/
  mkdir -p .go/src/k8s.io && ln -sfn ../../.. .go/src/k8s.io/kubernetes
  log "building cmd/kube-apiserver (about 5 minutes with a cold Go cache)"
  GOPATH=$W/src/.go GOCACHE=$W/src/.gocache GOPROXY=off GOFLAGS= CGO_ENABLED=0 HOME=$W/src/.home \
    timeout 1800 make WHAT=cmd/kube-apiserver >&2
  mkdir -p "$OUT"
  cp _output/bin/kube-apiserver "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
  cd / && rm -rf "$W"
  log "built $BIN in $((SECONDS - t0)) s"
  echo "$BIN"
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

up() {
  local D=$1
  [[ -x $BIN ]] || { log "not built: run scripts/kube-apiserver.sh build"; exit 1; }
  mkdir -p "$D"; D=$(cd "$D" && pwd)
  local timeout=${KAS_READY_TIMEOUT:-60} t0=$SECONDS EC EP KS
  # Reuse etcd's data dir and ports on a restart (DIR/ports), so "down; up" keeps the cluster's state.
  if [[ -f $D/ports ]]; then source "$D/ports"; else
    EC=$(free_port); EP=$(free_port); KS=$(free_port)
    echo "EC=$EC EP=$EP KS=$KS" > "$D/ports"
  fi
  if ! { [[ -f $D/etcd.pid ]] && kill -0 "$(cat "$D/etcd.pid")" 2>/dev/null; }; then
    etcd --name t --data-dir "$D/etcd" --listen-client-urls "http://127.0.0.1:$EC" \
      --advertise-client-urls "http://127.0.0.1:$EC" --listen-peer-urls "http://127.0.0.1:$EP" \
      --initial-advertise-peer-urls "http://127.0.0.1:$EP" --initial-cluster "t=http://127.0.0.1:$EP" \
      >> "$D/etcd.log" 2>&1 &
    echo $! > "$D/etcd.pid"
  fi
  [[ -f $D/sa.key ]] || { openssl genrsa -out "$D/sa.key" 2048 2>/dev/null; openssl rsa -in "$D/sa.key" -pubout -out "$D/sa.pub" 2>/dev/null; }
  [[ -f $D/tokens.csv ]] || { echo "$(openssl rand -hex 16),admin,admin,system:masters" > "$D/tokens.csv"; }
  local TOKEN; TOKEN=$(cut -d, -f1 "$D/tokens.csv")
  until ETCDCTL_API=3 etcdctl --endpoints="http://127.0.0.1:$EC" endpoint health >/dev/null 2>&1; do
    ((SECONDS - t0 < timeout)) || { log "etcd not healthy after ${timeout}s"; tail -20 "$D/etcd.log" >&2; exit 1; }
    sleep 0.2
  done
  cat > "$D/audit-policy.yaml" <<'P'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
P
  "$BIN" --etcd-servers="http://127.0.0.1:$EC" --bind-address=127.0.0.1 --secure-port="$KS" \
    --cert-dir="$D/certs" --token-auth-file="$D/tokens.csv" --authorization-mode=RBAC \
    --disable-admission-plugins=ServiceAccount \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$D/sa.pub" \
    --service-account-signing-key-file="$D/sa.key" --service-cluster-ip-range=10.96.0.0/24 \
    --audit-policy-file="$D/audit-policy.yaml" --audit-log-path="$D/audit.log" \
    >> "$D/kas.log" 2>&1 &
  echo $! > "$D/kas.pid"
  until [[ $(curl -s --max-time 2 --cacert "$D/certs/apiserver.crt" -H "Authorization: Bearer $TOKEN" \
      --resolve "kubernetes.default.svc:$KS:127.0.0.1" "https://kubernetes.default.svc:$KS/readyz" 2>/dev/null || true) == ok ]]; do
    if ! kill -0 "$(cat "$D/kas.pid")" 2>/dev/null; then log "apiserver exited"; tail -30 "$D/kas.log" >&2; exit 1; fi
    ((SECONDS - t0 < timeout)) || { log "apiserver not ready after ${timeout}s"; tail -30 "$D/kas.log" >&2; exit 1; }
    sleep 0.2
  done
  # The self-signed serving cert (with its CA) names 127.0.0.1 and kubernetes.default.svc; the latter is
  # pinned with tls-server-name so clients need no IP SAN support.
  cat > "$D/kubeconfig" <<K
apiVersion: v1
kind: Config
clusters:
- name: kas
  cluster:
    server: https://127.0.0.1:$KS
    certificate-authority: $D/certs/apiserver.crt
    tls-server-name: kubernetes.default.svc
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: kas
  context: {cluster: kas, user: admin}
current-context: kas
K
  log "ready on https://127.0.0.1:$KS in $((SECONDS - t0)) s; KUBECONFIG=$D/kubeconfig"
}

stop_pid() {
  local f=$1
  [[ -f $f ]] || return 0
  local pid; pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  local D=$1
  stop_pid "$D/kas.pid"
  [[ ${2:-} == --keep-etcd ]] || stop_pid "$D/etcd.pid"
}

case ${1:-} in
  build) build ;;
  path) [[ -x $BIN ]] && echo "$BIN" ;;
  up) [[ -n ${2:-} ]] || { log "usage: up DIR"; exit 2; }; up "$2" ;;
  down) [[ -n ${2:-} ]] || { log "usage: down DIR [--keep-etcd]"; exit 2; }; down "$2" "${3:-}" ;;
  *) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
