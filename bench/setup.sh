#!/usr/bin/env bash
# Installs what the side-by-side benchmark needs beyond scripts/setup.sh: gnuplot (Debian
# gnuplot-nox) for the chart, and Portkey's gateway pinned in bench/package-lock.json. Idempotent:
# apt only when gnuplot is missing, `npm ci` only when the lock file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v gnuplot >/dev/null; then
  echo "bench setup: installing gnuplot-nox"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gnuplot-nox
fi

stamp=node_modules/.switchyard-stamp
if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  echo "bench setup: npm ci (Portkey gateway)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
