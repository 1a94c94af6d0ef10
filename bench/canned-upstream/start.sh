#!/usr/bin/env bash
# Start the canned Vertex upstream in the foreground: bench/canned-upstream/start.sh PORT [PREFIX_DIR]
# nginx runs as one foreground process (no daemon, no master) with its own prefix under a temp dir.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:?usage: start.sh PORT [PREFIX_DIR]}"
prefix="${2:-$(mktemp -d /tmp/canned-upstream.XXXXXX)}"
mkdir -p "$prefix/tmp" "$prefix/logs"
sed "s/__PORT__/$port/" "$here/nginx.conf" > "$prefix/nginx.conf"
exec nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log"
