#!/usr/bin/env bash
# Unpacks Debian's docker.io, containerd and runc into .cache/docker-root
# (never installed system-wide: a dockerd on this machine's PATH would change
# what every other live test sees). Idempotent: nothing is fetched when the
# unpacked dockerd is there. Prints the unpacked root.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
root="$here/.cache/docker-root"
if [ ! -x "$root/usr/sbin/dockerd" ]; then
  debs="$here/.cache/docker-debs"
  mkdir -p "$debs" "$root"
  cd "$debs"
  if ! ls docker.io_*.deb >/dev/null 2>&1; then
    apt-get download docker.io containerd runc >/dev/null 2>&1 || { apt-get update -qq >/dev/null; apt-get download docker.io containerd runc >/dev/null; }
  fi
  for d in ./*.deb; do dpkg-deb -x "$d" "$root"; done
fi
echo "$root"
