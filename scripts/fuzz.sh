#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60) on its corpus.
# Crashes are written to tests/fuzz/crashes/; commit a minimised one as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
if [[ ! -f build-fuzz/build.ninja ]]; then
  CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DSWITCHYARD_FUZZ=ON -DSWITCHYARD_BUILD_TESTS=OFF \
    -DSWITCHYARD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined"
fi
cmake --build build-fuzz
mkdir -p tests/fuzz/crashes
for fuzzer in build-fuzz/*_fuzzer; do
  name=$(basename "$fuzzer" _fuzzer)
  mkdir -p "tests/fuzz/corpus/$name"
  echo "== $name ($seconds s)"
  "$fuzzer" -max_total_time="$seconds" -artifact_prefix=tests/fuzz/crashes/ "tests/fuzz/corpus/$name"
done
