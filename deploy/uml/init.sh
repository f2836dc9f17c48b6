#!/bin/sh
# PID 1 of a User-Mode Linux director (the tests' and the lab's real IPVS; this host's kernel has
# none). The root file system is the host's / through hostfs, read-only; this script mounts the
# guest's own /proc, /sys and /run, loads IPVS and the marking modules from Debian's UML module
# tree, brings up the first network device with UML_ADDRS (from the kernel command line), and
# hands the console to a shell that the host drives line by line.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
# modprobe -d ROOT looks in ROOT/lib/modules/$(uname -r): UML_MODROOT holds that link.
# nf_conntrack_netlink: with net.ipv4.vs.conntrack=1 below, conntrack's NEW event tells ha-agent
# of each IPVS connection at its first packet.
for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_lc ip_vs_sh ip_vs_dh iptable_mangle xt_mark xt_tcpudp nf_conntrack_netlink; do
  modprobe -d "$UML_MODROOT" $m || echo "UML-MODPROBE-FAILED $m"
done
sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
  net.ipv4.vs.conntrack=1
ip link set lo up
IF=$(ls /sys/class/net | grep -v '^lo$' | head -1)
if [ -n "$IF" ]; then
  ip link set "$IF" up
  for a in $(echo "${UML_ADDRS:-}" | tr , " "); do ip addr add "$a" dev "$IF"; done
fi
echo "UML-READY if=$IF uptime=$(cut -d' ' -f1 /proc/uptime)"
exec /bin/sh
