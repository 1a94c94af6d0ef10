#!/usr/bin/env bash
# Builds the container image localhost/switchyard:<version> (and :latest) with podman, without any
# registry: a Debian 12 root filesystem made by mmdebstrap with only the runtime libraries of
# build/switchyard, imported as localhost/switchyard-runtime:<key>, and deploy/Containerfile, which
# keeps just the binary's closure from it (no shell in the image).
#
#   scripts/image.sh              # build (and strip a copy of) build/switchyard's image
#   SWITCHYARD_VERSION=1.2.3 scripts/image.sh
#
# Installs podman, buildah, mmdebstrap, runc, uidmap... when missing. The rootfs tarball is cached in
# $SWITCHYARD_CACHE (default /var/cache/switchyard), keyed by the Debian package set, so a warm run
# only strips, builds and tags. Prints the image reference on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${SWITCHYARD_BIN:-build/switchyard}
cache=${SWITCHYARD_CACHE:-/var/cache/switchyard}
suite=bookworm
log() { echo "image: $*" >&2; }

[[ -x $bin ]] || { log "$bin not found: build it first (scripts/build.sh)"; exit 1; }

# --- tools --------------------------------------------------------------------------------------
debs=(podman buildah mmdebstrap runc uidmap binutils ca-certificates)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Podman settings this kind of machine needs (measured here): crun
# refuses hybrid cgroups, so runc; the shell lacks CAP_SYS_RESOURCE, so ulimits no higher than ours.
mkdir -p "$cache"
nofile=$(ulimit -Hn); [[ $nofile == unlimited || $nofile -gt 1048576 ]] && nofile=1048576
nproc=$(ulimit -Hu); [[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
conf=$cache/containers.conf
cat > "$conf.new" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
CONF
mv "$conf.new" "$conf"
export CONTAINERS_CONF=$conf

# --- runtime rootfs -----------------------------------------------------------------------------
# The package set: the Debian packages owning the libraries `ldd` resolves for the binary (so a new
# link dependency joins by itself), plus the CA store.
mapfile -t pkgs < <(
  { echo ca-certificates
    for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
      dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")"
    done | cut -d: -f1
  } | sort -u)
recipe="suite=$suite variant=essential arch=$(dpkg --print-architecture) pkgs=${pkgs[*]} recipe=1"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
rootfs=$cache/rootfs-$key.tar
runtime=localhost/switchyard-runtime:$key
log "runtime packages: ${pkgs[*]} (key $key)"

if [[ ! -s $rootfs ]]; then
  log "mmdebstrap $suite -> $rootfs"
  t0=$SECONDS
  # The sources are the machine's own apt configuration, so no mirror is named here.
  sources=/etc/apt/sources.list.d/debian.sources
  [[ -f $sources ]] || sources=/etc/apt/sources.list
  include=$(IFS=,; echo "${pkgs[*]}")
  timeout 900 mmdebstrap --quiet --format=tar --variant=essential --include="$include" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    "$suite" "$rootfs.part" - < "$sources" >&2
  mv "$rootfs.part" "$rootfs"
  log "rootfs built in $((SECONDS - t0)) s ($(du -h "$rootfs" | cut -f1))"
fi
if ! podman image exists "$runtime"; then
  log "podman import $runtime"
  timeout 300 podman import --quiet "$rootfs" "$runtime" >/dev/null
fi

# --- image --------------------------------------------------------------------------------------
version=${SWITCHYARD_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
version=$(printf '%s' "$version" | tr -c 'A-Za-z0-9_.-' '-')
ctx=build/image-context
rm -rf "$ctx" && mkdir -p "$ctx"
strip -o "$ctx/switchyard" "$bin"
cp deploy/gather-runtime.sh "$ctx/"
image=localhost/switchyard:$version
t0=$SECONDS
timeout 600 podman build --quiet --layers=false --pull=never --build-arg "RUNTIME=$runtime" \
  -f deploy/Containerfile -t "$image" -t localhost/switchyard:latest "$ctx" >/dev/null
log "built $image in $((SECONDS - t0)) s, $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1 / 1e6}')"
echo "$image"
