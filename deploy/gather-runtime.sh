#!/bin/sh
# Runs inside the Debian 12 runtime rootfs (stage 1 of deploy/Containerfile). Copies BINARY and
# everything it needs at run time into OUT, keeping Debian's merged-/usr layout.
set -eu
bin=$1 out=$2
mkdir -p "$out/usr/lib/x86_64-linux-gnu" "$out/usr/lib64" "$out/usr/bin" "$out/usr/sbin" \
  "$out/usr/local/bin" "$out/etc"
for d in lib lib64 bin sbin; do ln -s "usr/$d" "$out/$d"; done

# Copies each path under its canonical directory (/lib/... becomes /usr/lib/...), and the file a
# symlink points at as well.
copy() {
  for p in "$@"; do
    name=$(readlink -f "$(dirname "$p")")/$(basename "$p")
    cp -a --parents "$name" "$out"
    real=$(readlink -f "$p")
    [ "$real" = "$name" ] || cp -a --parents "$real" "$out"
  done
}
copy $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
copy /lib64/ld-linux-x86-64.so.2
cp -a "$bin" "$out/usr/local/bin/"

# TLS trust (OpenSSL's default store: /usr/lib/ssl/certs -> /etc/ssl/certs) and name resolution.
cp -a --parents /etc/ssl /usr/share/ca-certificates /etc/nsswitch.conf "$out"
[ ! -e /usr/lib/ssl ] || cp -a --parents /usr/lib/ssl "$out"
test -s "$out/etc/ssl/certs/ca-certificates.crt"

printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin\n' \
  > "$out/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$out/etc/group"
mkdir -p -m 1777 "$out/tmp"
mkdir -p "$out/home/nonroot"
chown 65532:65532 "$out/home/nonroot"

# The closure is complete: the binary runs from OUT with nothing of this rootfs on its path.
env -i "$out/lib64/ld-linux-x86-64.so.2" --inhibit-cache \
  --library-path "$out/usr/lib/x86_64-linux-gnu" "$out/usr/local/bin/$(basename "$bin")" --help >/dev/null
