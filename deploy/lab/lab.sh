#!/usr/bin/env bash
# The two-director lab on network namespaces, shared by the demo, the end-to-end tests and the
# benchmark harness. Every namespace name starts with PREFIX, so several labs can coexist.
#
#   lab.sh up PREFIX        build it         lab.sh down PREFIX    remove it (kills what runs inside)
#   lab.sh config PREFIX NODE PRIORITY INTERVAL EVENTFILE [peer]   print an agent config for NODE (d1|d2);
#                                                  with "peer", the agents' peer link too (d1 listens)
#
# Topology (all addresses exist only inside these namespaces):
#   PREFIXsw   switch: bridges br-pub and br-priv, multicast snooping off
#   PREFIXd1   director 1: pub0 10.99.0.11/24 (02:00:0a:63:00:0b), priv0 192.168.50.11/24
#   PREFIXd2   director 2: pub0 10.99.0.12/24 (02:00:0a:63:00:0c), priv0 192.168.50.12/24
#   PREFIXcl   client: eth0 10.99.0.100/24
#   IPv6 on the public LAN: d1 fd99::11/64, d2 fd99::12/64, client fd99::100/64 (and link-locals)
#   PREFIXrs1  real server: eth0 192.168.50.21/24, default route via the NAT-router VIP 192.168.50.1
#   PREFIXrs2  real server: eth0 192.168.50.22/24, likewise
#   floating:  public VIP 10.99.0.10/24 on pub0, private NAT-router VIP 192.168.50.1/24 on priv0
set -euo pipefail

NAMES=(sw d1 d2 cl rs1 rs2)

die() { echo "lab.sh: $*" >&2; exit 1; }

# Attach interface IFACE of namespace NS to BRIDGE in the switch, through port PORT.
attach() {
  local p=$1 ns=$2 iface=$3 port=$4 bridge=$5 mac=${6:-}
  ip link add "$iface" netns "$p$ns" type veth peer name "$port" netns "${p}sw"
  [ -n "$mac" ] && ip -n "$p$ns" link set "$iface" address "$mac"
  ip -n "${p}sw" link set "$port" master "$bridge" up
  ip -n "$p$ns" link set "$iface" up
}

up() {
  local p=$1 n
  for n in "${NAMES[@]}"; do
    ip netns add "$p$n"
    ip -n "$p$n" link set lo up
  done
  for br in br-pub br-priv; do
    ip -n "${p}sw" link add "$br" type bridge mcast_snooping 0
    ip -n "${p}sw" link set "$br" up
  done
  # A switch passes frames as they are: where br_netfilter is loaded, bridged IPv4 would be
  # checked (and a broken header dropped) before it reached a director's capture.
  ip netns exec "${p}sw" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
  attach "$p" d1 pub0 d1pub br-pub 02:00:0a:63:00:0b
  attach "$p" d1 priv0 d1priv br-priv 02:00:c0:a8:32:0b
  attach "$p" d2 pub0 d2pub br-pub 02:00:0a:63:00:0c
  attach "$p" d2 priv0 d2priv br-priv 02:00:c0:a8:32:0c
  attach "$p" cl eth0 clpub br-pub 02:00:0a:63:00:64
  attach "$p" rs1 eth0 rs1priv br-priv
  attach "$p" rs2 eth0 rs2priv br-priv
  ip -n "${p}d1" addr add 10.99.0.11/24 dev pub0
  ip -n "${p}d1" addr add 192.168.50.11/24 dev priv0
  ip -n "${p}d2" addr add 10.99.0.12/24 dev pub0
  ip -n "${p}d2" addr add 192.168.50.12/24 dev priv0
  ip -n "${p}cl" addr add 10.99.0.100/24 dev eth0
  # IPv6 beside IPv4 (the lab's IPv6 groups): global addresses without duplicate detection's wait
  ip -n "${p}d1" addr add fd99::11/64 dev pub0 nodad
  ip -n "${p}d2" addr add fd99::12/64 dev pub0 nodad
  ip -n "${p}cl" addr add fd99::100/64 dev eth0 nodad
  ip -n "${p}rs1" addr add 192.168.50.21/24 dev eth0
  ip -n "${p}rs2" addr add 192.168.50.22/24 dev eth0
  ip -n "${p}rs1" route add default via 192.168.50.1
  ip -n "${p}rs2" route add default via 192.168.50.1
  for n in d1 d2; do
    # Timestamped conntrack events: the agents' replication.event_lag.micros metric.
    ip netns exec "$p$n" sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_timestamp=1
  done
}

down() {
  local p=$1 n pid
  for n in "${NAMES[@]}"; do
    ip netns list | grep -qw "$p$n" || continue
    for pid in $(ip netns pids "$p$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$p$n" 2>/dev/null || true
  done
}

config() {
  local p=$1 node=$2 priority=$3 interval=$4 events=$5 peer=${6:-}
  local key dir
  dir=$(dirname "$events")
  key="$dir/peer.key"
  cat <<YAML
# lab config for $node (namespace $p$node); see deploy/examples/ for a commented one
node: $node
group:
  vrid: 51
  version: 3
  priority: $priority
  advert-interval: $interval
  channels:
    - {name: public, interface: pub0}
    - {name: private, interface: priv0}
  track:
    - {interface: pub0, weight: -100}
vips:
  - {address: 10.99.0.10/24, interface: pub0}
  - {address: 192.168.50.1/24, interface: priv0}
garp:
  burst: 5
  repeat-delay: 2s
  repeat-burst: 5
events:
  file: $events
admin:
  socket: $dir/$node.sock
  switchover-hold: 30s
YAML
  if [ "$peer" = peer ]; then
    # A lab-only key: a real pair uses 32 random bytes (head -c 32 /dev/urandom).
    [ -f "$key" ] || printf 'lvs-ha lab peer-link key, not secret' > "$key"
    chmod 600 "$key" # the agent refuses a key file others can read
    if [ "$node" = d1 ]; then
      printf 'peer-link: {listen: "192.168.50.11:7311", key-file: %s}\n' "$key"
    else
      printf 'peer-link: {connect: "192.168.50.11:7311", key-file: %s}\n' "$key"
    fi
  fi
}

[ $# -ge 2 ] || die "usage: lab.sh up|down PREFIX | lab.sh config PREFIX NODE PRIORITY INTERVAL EVENTFILE"
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
cmd=$1; shift
case "$cmd" in
  up) down "$1"; up "$1" ;;
  down) down "$1" ;;
  config) [ $# -ge 5 ] || die "config PREFIX NODE PRIORITY INTERVAL EVENTFILE [peer]"; config "$@" ;;
  *) die "unknown command $cmd" ;;
esac
