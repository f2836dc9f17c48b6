#!/usr/bin/env bash
# Heap per replicated connection, under the 200 MB heap the target allows. Usage: conn-table.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -ntp -pl state -am install -DskipTests
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -ntp -pl state dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
exec java -Xmx200m -cp "state/target/test-classes:state/target/classes:$(cat "$cp_file")" \
  io.lvsha.state.bench.ConnectionTableFootprint "$@"
