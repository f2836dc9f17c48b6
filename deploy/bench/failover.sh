#!/usr/bin/env bash
# Failover timings on the wire in the namespace lab, or a soak run. Needs root.
#   failover.sh failover 10 1s 100ms 20ms     N failovers per advert interval, min/median/p99/max
#   failover.sh switchover 10 100ms           ha-agentctl switchover back and forth, client gap
#   failover.sh soak 10 20ms                  10 minutes at 20 ms adverts, both cores busy
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.bench.FailoverBenchmark -- "$@"
