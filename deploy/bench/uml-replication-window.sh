#!/usr/bin/env bash
# The replication window of the direct-routing layout on real IPVS in User-Mode Linux (issue 13):
# ha-agent and keepalived with the kernel's sync daemon, alternating round by round in the same
# run; per round the youngest survivor, the oldest broken download and the loss by age bucket.
# Needs root (namespaces) and a host that runs UML.
#   uml-replication-window.sh [ROUNDS [PER_SECOND [SEED [SOFTWARE,... [ACK_DELAY_MS [MAX_KILL_DELAY_MS]]]]]]
#   defaults 10 20 random, and
#   HA_AGENT,HA_AGENT_MAXLEN_1,KEEPALIVED (ha-agent; ha-agent with a datagram per connection;
#   keepalived), 0, 1000; ROUNDS per software; PER_SECOND may be below 1 (a quiet director);
#   ACK_DELAY_MS above 0: slow clients that wait that long before each ACK, instead of curl;
#   MAX_KILL_DELAY_MS (default 1000): the kill comes a random 0 to that many ms after the last request
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.e2e.UmlReplicationWindowBenchmark -- "$@"
