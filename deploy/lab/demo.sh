#!/usr/bin/env bash
# The README's main command: two directors on network namespaces, a failover, and what a client saw.
# Installs what it needs, builds if needed, and removes everything it made when it ends (also on Ctrl-C).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
# shellcheck source=deploy/packages.sh
. deploy/packages.sh
ensure_packages demo

jar=ha-agent/target/ha-agent.jar
if [ ! -f "$jar" ] || [ -n "$(find vrrp arp state ha-agent -name '*.java' -newer "$jar" -print -quit)" ]; then
  echo "== building (./mvnw package)"
  ./mvnw -B -q -ntp package -DskipTests
fi

prefix="lvdemo$$-"
work=$(mktemp -d /tmp/lvs-ha-demo.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$here/lab.sh" down "$prefix" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "== interrupted, cleaning up"; exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
start_agent() { # NODE
  ip netns exec "$prefix$1" java -Xms64m -Xmx64m -XX:+AlwaysPreTouch -XX:+UseShenandoahGC -jar "$jar" --config "$work/$1.yaml" \
    2> "$work/$1.err" | sed -u "s/^/  [$1] /" &
  pids+=($!)
  disown $!   # no "Killed" job notice when the demo kills an agent on purpose
}
await_role() { # NODE ROLE
  local deadline=$((SECONDS + 20))
  until grep -q "\"event\":\"role-change\".*\"to\":\"$2\"" "$work/$1.events" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "$1 did not become $2; its stderr:"; cat "$work/$1.err"; exit 1; }
    sleep 0.1
  done
}

step "building the lab: switch, directors d1 and d2 (public + private links), a client, two real servers"
"$here/lab.sh" up "$prefix"
chmod 755 "$work"
# Both directors balance a TFTP farm with the nftables backend (no IPVS on this kernel) and
# replicate its connection state over the peer link.
services='director: {backend: nftables}
services:
  - name: tftp
    fwmark: 1
    match: [{vip: 10.99.0.10, protocol: udp, ports: [69, 1024-65535]}]
    scheduler: rr
    helper: tftp
    check: {type: tftp, file: image.bin, interval: 2s, probe-timeout: 3s}
    real-servers: [{address: 192.168.50.21}, {address: 192.168.50.22}]'
for node in d1:150 d2:100; do
  "$here/lab.sh" config "$prefix" "${node%%:*}" "${node##*:}" 100ms "$work/${node%%:*}.events" peer > "$work/${node%%:*}.yaml"
  printf '%s\n' "$services" >> "$work/${node%%:*}.yaml"
done
echo "VRRPv3, VRID 51, adverts every 100 ms; d1 priority 150, d2 priority 100; peer link d1 <-> d2"
echo "VIPs: 10.99.0.10/24 (public), 192.168.50.1/24 (the real servers' NAT router)"

step "the real servers rs1 and rs2 serve the same 4 MiB boot image over TFTP (tftpd-hpa)"
mkdir -p "$work/image" "$work/downloads"
head -c 4194304 /dev/urandom > "$work/image/image.bin"
chmod -R a+rX "$work/image"
image_sha=$(sha256sum "$work/image/image.bin" | cut -d' ' -f1)
for rs in rs1:192.168.50.21 rs2:192.168.50.22; do
  ip netns exec "$prefix${rs%%:*}" in.tftpd -L -s "$work/image" -a "${rs##*:}:69" 2> "$work/${rs%%:*}-tftpd.err" &
  pids+=($!)
done

step "starting both agents (their event lines follow, prefixed with the node)"
start_agent d1
await_role d1 MASTER
start_agent d2
await_role d2 BACKUP
sleep 1

step "ten TFTP downloads through the VIP start (tftp-hpa, 512-byte blocks), and the client probes the VIP every 10 ms"
downloads=()
for i in $(seq 1 10); do
  ip netns exec "${prefix}cl" tftp -m binary 10.99.0.10 -c get image.bin "$work/downloads/out-$i" &
  downloads+=($!)
done
deadline=$((SECONDS + 60))
under_way() { find "$work/downloads" -name 'out-*' -size +512k | wc -l; }
until [ "$(under_way)" -eq 10 ] || [ $SECONDS -ge $deadline ]; do sleep 0.05; done
if [ "$(under_way)" -ne 10 ]; then
  echo "  MISSED: only $(under_way) of 10 downloads had passed 512 KiB after 60 s; the failover would show nothing."
  for rs in rs1 rs2; do echo "  $rs's tftpd stderr:"; tail -n 5 "$work/$rs-tftpd.err" | sed 's/^/    /'; done
  echo "  d1's stderr:"; tail -n 5 "$work/d1.err" | sed 's/^/    /'
  exit 1
fi
echo "  every download is under way"
ip netns exec "${prefix}cl" ping -D -n -i 0.01 -W 1 10.99.0.10 > "$work/ping.log" 2>&1 &
pids+=($!)
ping_pid=$!
sleep 1

step "killing the master: SIGKILL to d1's agent, and d1's links go down (a dead node)"
pkill -KILL -f -- "--config $work/d1.yaml" || true
ip -n "${prefix}d1" link set pub0 down
ip -n "${prefix}d1" link set priv0 down
await_role d2 MASTER
sleep 1.5
kill "$ping_pid" 2>/dev/null || true
wait "$ping_pid" 2>/dev/null || true

step "the downloads"
broken=0
for i in "${!downloads[@]}"; do
  wait "${downloads[$i]}" 2>/dev/null || true
  [ "$(sha256sum "$work/downloads/out-$((i + 1))" | cut -d' ' -f1)" = "$image_sha" ] || broken=$((broken + 1))
done
echo "  $((10 - broken))/10 finished with the right SHA-256 across the failover"
grep -h '"event":"state-committed"' "$work/d2.events" | sed 's/^/  d2 /' || true

step "what the client saw"
awk '/bytes from/ { gsub(/[\[\]]/, "", $1); if (last != "") { gap = ($1 - last) * 1000; if (gap > max) max = gap }
     last = $1; n++ } END { printf "  %d replies; the longest gap between two replies: %.0f ms\n", n, max }' "$work/ping.log"
echo "  (Master_Down_Interval for d2 at 100 ms adverts: 3 x 100 ms + (256-100)/256 x 100 ms = 360.9 ms;"
echo "   when the peer link reports the agent's death before the links go down: Skew_Time + one interval = 160.9 ms,"
echo "   less the time d1's kernel kept answering for the VIP)"
echo "  client's neighbour entry for the VIP: $(ip -n "${prefix}cl" neigh show 10.99.0.10)"
echo "  d2 (02:00:0a:63:00:0c) now owns: $(ip -n "${prefix}d2" -o -4 addr show | awk '/secondary/ {print $4}' | tr '\n' ' ')"

step "restoring d1: links up, agent started again; it has the higher priority, but preempts only once its connection table is in sync"
ip -n "${prefix}d1" link set pub0 up
ip -n "${prefix}d1" link set priv0 up
: > "$work/d1.events"
start_agent d1
await_role d1 MASTER
sleep 1

step "done; removing the lab"
