#!/usr/bin/env bash
# Start nginx as a plain reverse proxy in the foreground:
#   bench/nginx-proxy/start.sh PORT UPSTREAM_PORT [PREFIX_DIR]
# ACCESS_LOG=off turns its access log off (nginx.conf has it on, buffered).
# One process (no daemon, no master, one worker) with its own prefix, pid and logs under a temp dir.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:?usage: start.sh PORT UPSTREAM_PORT [PREFIX_DIR]}"
upstream_port="${2:?usage: start.sh PORT UPSTREAM_PORT [PREFIX_DIR]}"
prefix="${3:-$(mktemp -d /tmp/nginx-proxy.XXXXXX)}"
mkdir -p "$prefix/tmp" "$prefix/logs"
access_log='s/^\( *access_log\) .*/&/'
[[ "${ACCESS_LOG:-on}" == off ]] && access_log='s/^\( *access_log\) .*/\1 off;/'
sed "s/__PORT__/$port/; s/__UPSTREAM_PORT__/$upstream_port/; $access_log" "$here/nginx.conf" > "$prefix/nginx.conf"
exec nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log"
