#!/usr/bin/env bash
# Heap per replicated connection, under the 200 MB heap the target allows. Usage: conn-table.sh [N]
exec "$(dirname "$0")/run-test-main.sh" state io.lvsha.state.bench.ConnectionTableFootprint -Xmx200m -- "$@"
