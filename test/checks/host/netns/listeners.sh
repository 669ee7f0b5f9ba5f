#!/usr/bin/env bash
# RG-HOST-004 on a live kernel, run as root inside `unshare -n -m --propagation private`:
# real listeners in a fresh network namespace (the host's sockets are not in it),
# then the built agent's live audit in the same namespace. $W holds etc/passwd,
# etc/group, etc/systemd/system and etc/gitlab-runner (bind-mounted over the real ones
# in this mount namespace only); results go to $W/out/.
set -euo pipefail
: "${W:?}" "${BUNDLE:?}" "${NODE:?}"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$W/out" && chmod 1777 "$W/out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 192.0.2.10/24 dev v0
ip link set v0 up && ip link set v1 up

listen() { # <uid> <exe> <ready name> <proto:host:port>...
  local uid=$1 exe=$2 ready=$3; shift 3
  setpriv --reuid "$uid" --regid "$uid" --clear-groups "$exe" "$HERE/listen.mjs" "$W/out/$ready" "$@" </dev/null >>"$W/out/listen.log" 2>&1 &
  pids+=($!)
}
# A job's service: the runner user runs a copy of node it named sshd.
mkdir -p "$W/job" && cp "$NODE" "$W/job/sshd" && chmod 755 "$W" "$W/job" "$W/job/sshd"
listen 0 "$NODE" r1 tcp:192.0.2.10:8080 tcp:127.0.0.1:9000 udp:0.0.0.0:5353
listen 2998 "$W/job/sshd" r2 tcp:0.0.0.0:4444
# The real sshd, root's, on its own port.
ssh-keygen -q -t ed25519 -N '' -f "$W/hostkey"
/usr/sbin/sshd -D -p 2222 -h "$W/hostkey" -o PidFile=none </dev/null >>"$W/out/listen.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -f "$W/out/r1" ] && [ -f "$W/out/r2" ] && ss -ltn | grep -q ':2222 ' && break; sleep 0.1; done
[ -f "$W/out/r1" ] && [ -f "$W/out/r2" ] || { echo "listeners did not start" >&2; cat "$W/out/listen.log" >&2; exit 1; }

cp /proc/net/tcp "$W/out/proc-net-tcp"
cp /proc/net/tcp6 "$W/out/proc-net-tcp6"
cp /proc/net/udp "$W/out/proc-net-udp"
mount --bind "$W/etc/passwd" /etc/passwd
mount --bind "$W/etc/group" /etc/group
mount --bind "$W/etc/systemd/system" /etc/systemd/system
"$NODE" "$BUNDLE" audit --only RG-HOST-004 --format json > "$W/out/audit.json" || true
