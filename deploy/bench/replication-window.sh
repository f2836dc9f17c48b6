#!/usr/bin/env bash
# The replication window of the NAT layout (issue 13): a stream of new TFTP downloads, the master
# killed at a random moment; per round the youngest survivor, the oldest broken download and the
# loss by age bucket. Needs root (namespaces).
#   replication-window.sh [ROUNDS [PER_SECOND [SEED [ADVERT_INTERVAL [SETTLE_SECONDS]]]]]   defaults 10 20 random 100ms 0
# SETTLE_SECONDS: how long the pair runs before each round (0: the revived director is the next
# round's backup seconds after its start, its JVM still warming up).
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.e2e.ReplicationWindowBenchmark -- "$@"
