#!/usr/bin/env bash
# RG-NET-001/002 applied for real, run as root inside `unshare -n -m --propagation private`
# (a fresh network namespace and a private mount namespace: the host's firewall and files are
# never touched). The topology of test/checks/network/netns/scenario.sh:
#
#   ct0 netns (172.17.0.2) --veth "docker0"--+                       +-- md netns: 169.254.169.254:80,
#   ct1 netns (172.18.0.2) --veth "br-0123456789ab"-- this netns ----+   203.0.113.10:443 (GitLab), :8080,
#                                            (forwarding)       veth vmd   203.0.113.20:5000, 203.0.113.53:53
#
# $W holds etc/{passwd,group,resolv.conf,hosts,systemd/system} (bind-mounted over the real ones
# in this mount namespace only) and agent.toml; the main script prints its JSON to $W/out/result.json.
set -euo pipefail
: "${W:?}" "${NODE:?}" "${MAIN:?}" "${VITE_NODE:?}"
NETNS_DIR="$(cd "$(dirname "$0")/../../../checks/network/netns" && pwd)"
mkdir -p "$W/out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

ip link set lo up
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
for a in 10 20 53; do in_ns "$MD" ip addr add "203.0.113.$a/24" dev md0; done
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

in_ns "$MD" "$NODE" "$NETNS_DIR/listen.mjs" "$W/out/ready" 169.254.169.254:80 203.0.113.10:443 203.0.113.10:8080 203.0.113.20:5000 203.0.113.53:53 </dev/null >"$W/out/listen.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -f "$W/out/ready" ] && break; sleep 0.1; done
[ -f "$W/out/ready" ] || { echo "listener did not start" >&2; exit 1; }

# The target's accounts, units, resolver and hosts file, for this mount namespace only.
for f in passwd group resolv.conf hosts; do mount --bind "$W/etc/$f" "/etc/$f"; done
mount --bind "$W/etc/systemd/system" /etc/systemd/system

CT0="$CT0" CT1="$CT1" CONNECT="$NETNS_DIR/connect.mjs" "$VITE_NODE" "$MAIN" "$W/agent.toml" > "$W/out/result.json"
