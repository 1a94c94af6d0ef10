#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: format and deploy-manifest checks, unit tests
# (GoogleTest via ctest), the end-to-end suite (node --test) driving the real binary with real
# clients over real TLS, the container image running the demo under podman, every committed fuzz
# input (corpus + regressions) replayed through the libFuzzer targets, then the end-to-end suite
# again against the ASan+UBSan build (the fuzzers' tree, so the layers are compiled once).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== format"
./scripts/check-format.sh
echo "== deploy manifests (kustomize render, CRDs, examples against them)"
./scripts/deploy-check.sh
./scripts/build.sh
echo "== unit tests"
ctest --test-dir build --output-on-failure --timeout 300
build/micro_bench --benchmark_min_time=0.01  # micro-benchmarks once, as a smoke test: each must run its input (no time assertions)
echo "== kube-apiserver for the Kubernetes end-to-end test (built once per machine, cached by version)"
./scripts/kube-apiserver.sh build >/dev/null
echo "== end-to-end tests"
./scripts/e2e.sh build/switchyard
echo "== container image (podman: read-only, no capabilities, uid 65532, the demo answers)"
./scripts/image-test.sh
echo "== fuzz corpus and regressions"
JOBS=2 ./scripts/fuzz-smoke.sh
echo "== end-to-end tests against the ASan + UBSan build"
JOBS=2 ./scripts/sanitize-build.sh switchyard
./scripts/e2e.sh --sanitized build-fuzz/switchyard
