#!/usr/bin/env bash
# A takeover's steps with a replicated table: the nftables NAT pair with the peer link, the master's
# conntrack filled with N TFTP flows, the master killed; the new master's first advert, VIPs, first
# GARP and commit, timed from the cause, with the commit before the VIPs and after the GARP (rounds
# alternate). min/median/max per step. Needs root.
#   takeover-commit.sh [REPS [SIZE,...]]     default 5 rounds of each order at 0, 10000 and 100000 flows
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.bench.TakeoverCommitBenchmark -- "$@"
