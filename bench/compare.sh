#!/usr/bin/env bash
# The side-by-side benchmark in one command: direct to a canned Vertex upstream, nginx as a plain
# proxy, Switchyard and Portkey's gateway, measured in one run (bench/compare.mjs says how).
# Installs what it needs (scripts/setup.sh, bench/setup.sh), builds build/switchyard if it is missing
# (or uses SWITCHYARD=/path), then writes bench/results/compare.{md,json,png}. About 7 minutes.
#   bench/compare.sh              REPEATS=3 DURATION=6s N=200 K=2000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [[ -z "${SWITCHYARD:-}" && ! -x build/switchyard ]]; then
  ./scripts/build.sh
fi
./bench/setup.sh
exec node bench/compare.mjs
