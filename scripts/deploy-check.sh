#!/usr/bin/env bash
# Offline checks of deploy/: renders deploy/crds and the kustomizations under deploy/kubernetes (base, overlay, overlay + Redis)
# with `kubectl kustomize`, and validates every document without an API server
# (scripts/deploy-check.py: YAML, known kinds, structural CRDs, examples/gcp-vertex against the
# CRDs' schemas, the Deployment's security and probe contract). Takes about 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v kubectl >/dev/null; then
  # Machines of this project's kind carry kubectl 1.32; a bare Debian 12 gets Debian's (1.20).
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends kubernetes-client
fi
py=python3
if ! "$py" -c 'import yaml' 2>/dev/null; then
  if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-yaml
  fi
  py=/usr/bin/python3
fi

"$py" deploy/crds/gen-crds.py --check
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export KUBECONFIG=/dev/null  # kustomize needs no cluster; make sure nothing reaches for one
kubectl kustomize deploy/crds > "$out/crds.yaml"
kubectl kustomize deploy/kubernetes/base > "$out/base.yaml"
kubectl kustomize deploy/kubernetes/overlays/envoy-ai-gateway-system > "$out/overlay.yaml"
kubectl kustomize deploy/kubernetes/overlays/envoy-ai-gateway-system-redis > "$out/overlay-redis.yaml"
"$py" scripts/deploy-check.py "$out/crds.yaml" "$out/base.yaml" "$out/overlay.yaml" \
  "$out/overlay-redis.yaml" examples/gcp-vertex/*.yaml
