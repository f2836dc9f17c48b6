#!/usr/bin/env bash
# Director figures (issue 4). Needs root (namespaces).
#   director.sh reconcile [SERVICES REALS]   apply 100 x 32 from empty, one change, a no-op (nftables; ipvs batch)
#   director.sh commit [N]                   conntrack -R of N replicated flows at a takeover
#   director.sh checks [N SECONDS]           N TCP health checks at 1 s: CPU and heap
exec "$(dirname "$0")/run-test-main.sh" ha-agent io.lvsha.agent.bench.DirectorBenchmark -Xmx256m -- "$@"
