#!/usr/bin/env bash
# One live egress scenario, run as root inside `unshare -n -m --propagation private`
# (a fresh network namespace and a private mount namespace: the host's rules and
# files are never touched). Topology, all made here:
#
#   ct0 netns (172.17.0.2) --veth "docker0"--+                       +-- md netns: 169.254.169.254:80
#   ct1 netns (172.18.0.2) --veth "br-0123456789ab"-- this netns ----+     203.0.113.10:443, :8080
#                                            (forwarding, NAT)  veth vmd
#
# $W holds the fixture: etc/passwd, etc/group, etc/systemd/system (bind-mounted over
# the real ones in this mount namespace only), load.sh (loads the rule set under test),
# probes (lines "<uid:N|ns:ct0|ns:ct1> <host> <port>"). Results go to $W/out/.
set -euo pipefail
: "${W:?}" "${BUNDLE:?}" "${NODE:?}"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$W/out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

ip link set lo up
# Peers: processes that each hold a new network namespace.
# (Not $(...): the background process would hold the substitution's pipe open.)
newns() { unshare -n sleep 300 </dev/null >/dev/null 2>&1 & pids+=($!); printf -v "$1" '%s' "$!"; }
newns MD; newns CT0; newns CT1
sleep 0.2
in_ns() { local pid=$1; shift; nsenter --net="/proc/$pid/ns/net" "$@"; }

ip link add vmd type veth peer name md0 netns "$MD"
ip addr add 169.254.0.1/16 dev vmd
ip addr add 203.0.113.1/24 dev vmd
ip link set vmd up
in_ns "$MD" ip link set lo up
in_ns "$MD" ip addr add 169.254.169.254/16 dev md0
in_ns "$MD" ip addr add 203.0.113.10/24 dev md0
in_ns "$MD" ip link set md0 up
in_ns "$MD" ip route add 172.16.0.0/12 via 169.254.0.1

bridge() { # <ns pid> <host-side name> <gateway> <container address>
  ip link add "$2" type veth peer name eth0 netns "$1"
  ip addr add "$3/16" dev "$2"
  ip link set "$2" up
  in_ns "$1" ip link set lo up
  in_ns "$1" ip addr add "$4/16" dev eth0
  in_ns "$1" ip link set eth0 up
  in_ns "$1" ip route add default via "$3"
}
bridge "$CT0" docker0 172.17.0.1 172.17.0.2
bridge "$CT1" br-0123456789ab 172.18.0.1 172.18.0.2
echo 1 > /proc/sys/net/ipv4/ip_forward

in_ns "$MD" "$NODE" "$HERE/listen.mjs" "$W/out/ready" 169.254.169.254:80 203.0.113.10:443 203.0.113.10:8080 </dev/null >"$W/out/listen.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -f "$W/out/ready" ] && break; sleep 0.1; done
[ -f "$W/out/ready" ] || { echo "listener did not start" >&2; exit 1; }

# The target's accounts and units, for this mount namespace only.
mount --bind "$W/etc/passwd" /etc/passwd
mount --bind "$W/etc/group" /etc/group
mount --bind "$W/etc/systemd/system" /etc/systemd/system

bash "$W/load.sh" > "$W/out/load.log" 2>&1

: > "$W/out/connect.txt"
while read -r who host port; do
  [ -z "$who" ] && continue
  case "$who" in
    uid:*) r=$(setpriv --reuid "${who#uid:}" --regid "${who#uid:}" --clear-groups "$NODE" "$HERE/connect.mjs" "$host" "$port") ;;
    ns:ct0) r=$(in_ns "$CT0" "$NODE" "$HERE/connect.mjs" "$host" "$port") ;;
    ns:ct1) r=$(in_ns "$CT1" "$NODE" "$HERE/connect.mjs" "$host" "$port") ;;
    *) echo "bad probe $who" >&2; exit 1 ;;
  esac
  echo "$who $host $port $r" >> "$W/out/connect.txt"
done < "$W/probes"

env ${AUDIT_PATH:+PATH="$AUDIT_PATH"} "$NODE" "$BUNDLE" audit --only RG-NET-001,RG-NET-002 --format json > "$W/out/audit.json" || true
