#!/usr/bin/env bash
# Prints min/median/p99/max for the link-layer steps of a takeover (netlink VIP add/remove, pcap
# send), measured in a throwaway network namespace. Needs root. Usage: link-path.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -ntp -pl arp -am install -DskipTests
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -ntp -pl arp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
exec java -cp "arp/target/test-classes:arp/target/classes:$(cat "$cp_file")" io.lvsha.arp.bench.LinkPathBenchmark "$@"
