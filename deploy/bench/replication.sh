#!/usr/bin/env bash
# Connection-state replication figures (issue 3): loopback only.
#   replication.sh codec [SECONDS]          v1 encode/decode entries per second, one thread
#   replication.sh resync [N]               full resync of N entries over the peer link (default 1 000 000)
#   replication.sh updates [RATE SECONDS]   sustained live updates, lag p50/p99/max (default 100 000/s, 10 s)
exec "$(dirname "$0")/run-test-main.sh" state io.lvsha.state.bench.ReplicationBenchmark -Xmx1g -- "$@"
