#!/usr/bin/env bash
# Builds TARGETS (default: fuzzers) in build-fuzz/, the clang tree where everything is compiled with
# AddressSanitizer + UndefinedBehaviorSanitizer: the libFuzzer targets and the sanitized switchyard
# binary the end-to-end suite runs a second time against. One tree, so the layers both link are
# compiled once. JOBS=n for a parallel build (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzzers)
if [[ ! -f build-fuzz/build.ninja ]]; then
  CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DSWITCHYARD_FUZZ=ON -DSWITCHYARD_SANITIZE=ON \
    -DSWITCHYARD_BUILD_TESTS=OFF -DSWITCHYARD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined"
fi
cmake --build build-fuzz -j"${JOBS:-1}" --target "${targets[@]}"
