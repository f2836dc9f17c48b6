#!/usr/bin/env bash
# ha-agent beside keepalived in the namespace lab, failover by failover: the same probe (ping every
# 1 ms), the same capture on the client and the same analysis; reps alternate between the two.
# Prints min/median/max of each figure for each, and the ratio ha-agent/keepalived. Needs root.
#   failover.sh table [REPS [SCENARIO...]]     every scenario (node death at v3 10 ms, v3 100 ms and
#                                              v2 1 s; crash with and without the peer link; SIGTERM;
#                                              switchover against keepalived's track_file and FAULT), 5 reps
#   failover.sh soak MINUTES 10ms [load]       both pairs at once; "load" keeps both cores busy
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.bench.FailoverBenchmark -- "$@"
