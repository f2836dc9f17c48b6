#!/usr/bin/env bash
# Issue 14's soak for leaks: the NAT pair for MINUTES (default 20, the short mode; 60 for the full
# one) with status calls, downloads, switchovers and reloads; each agent sampled every minute after
# a full GC (heap, direct buffers, threads, fds, RSS); prints min/median/max and the slope per hour.
# Needs root (namespaces).
#   memory-soak.sh [MINUTES]
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.e2e.MemorySoakBenchmark -- "$@"
