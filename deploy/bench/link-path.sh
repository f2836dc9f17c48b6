#!/usr/bin/env bash
# Prints min/median/p99/max for the link-layer steps of a takeover (netlink VIP add/remove, pcap
# send), measured in a throwaway network namespace. Needs root. Usage: link-path.sh [rounds]
exec "$(dirname "$0")/run-test-main.sh" arp io.lvsha.arp.bench.LinkPathBenchmark -- "$@"
