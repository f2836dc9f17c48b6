#!/usr/bin/env bash
# Issue 15's benchmark: one ha-agent master of 1, 10, 50 and 200 groups at 100 ms adverts (and 50
# at 20 ms), beside keepalived with as many vrrp_instances in the same lab at the same time; prints
# CPU %, RSS and the advert gap on the wire (median/p99/max) of each, and the ratios.
# Needs root (namespaces).
#   groups-scale.sh [SECONDS [GROUPS@MS,...]]   measured per run, after 30 s of warm-up (default 20);
#                                               only the runs named (default 1@100,10@100,50@100,200@100,50@20)
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.e2e.GroupsScaleBenchmark -- "$@"
