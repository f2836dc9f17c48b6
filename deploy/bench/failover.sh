#!/usr/bin/env bash
# Failover timings on the wire in the namespace lab, or a soak run. Needs root.
#   failover.sh failover 10 1s 100ms 20ms     N failovers per advert interval, min/median/p99/max
#   failover.sh soak 10 20ms                  10 minutes at 20 ms adverts, both cores busy
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -ntp install -DskipTests
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -ntp -pl ha-agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
cd ha-agent
exec java -cp "target/test-classes:target/classes:$(cat "$cp_file")" io.lvsha.agent.bench.FailoverBenchmark "$@"
