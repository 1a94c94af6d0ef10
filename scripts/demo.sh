#!/usr/bin/env bash
# Sets up, builds and starts the offline demo (gateway + built-in Vertex AI emulator).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
exec ./build/switchyard demo "$@"
