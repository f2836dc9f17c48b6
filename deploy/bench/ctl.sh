#!/usr/bin/env bash
# ha-agentctl as an operator runs it: hello, status and a (refused) switchover, launcher start to
# exit, against a lab agent (min/median/max); and an operator's first status on an agent just
# started at 10 ms adverts: its reply time and the longest gap between its adverts across it. Needs root.
#   ctl.sh [REPS [STARTS]]      default 21 runs of each command, 5 fresh agents
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.bench.CtlBenchmark -- "$@"
