#!/usr/bin/env bash
# The replication window of the direct-routing layout on real IPVS in User-Mode Linux (issue 13):
# ha-agent and keepalived with the kernel's sync daemon, alternating round by round in the same
# run; per round the youngest survivor, the oldest broken download and the loss by age bucket.
# Needs root (namespaces) and a host that runs UML.
#   uml-replication-window.sh [ROUNDS [PER_SECOND [SEED [SOFTWARE,...]]]]   defaults 10 20 random, and
#   HA_AGENT,HA_AGENT_MAXLEN_1,KEEPALIVED (ha-agent; ha-agent with a datagram per connection;
#   keepalived); ROUNDS per software
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.e2e.UmlReplicationWindowBenchmark -- "$@"
