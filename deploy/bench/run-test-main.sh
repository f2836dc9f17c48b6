#!/usr/bin/env bash
# The benchmarks' shared start: runs a main class from a module's test sources with the module's
# test classpath, from inside the module's folder.
# Usage: run-test-main.sh MODULE MAIN_CLASS [JVM options...] -- [program arguments...]
set -euo pipefail
cd "$(dirname "$0")/../.."
module=$1 main=$2
shift 2
jvm=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do jvm+=("$1"); shift; done
[ $# -gt 0 ] && shift
# shellcheck source=deploy/packages.sh
. deploy/packages.sh
ensure_packages bench
./mvnw -B -q -ntp -pl "$module" -am install -DskipTests
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -ntp -pl "$module" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
cd "$module"
java "${jvm[@]}" -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat "$cp_file")" "$main" "$@"
