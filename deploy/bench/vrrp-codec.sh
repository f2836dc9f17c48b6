#!/usr/bin/env bash
# Prints ns/op for encoding and decoding+validating VRRP adverts (JMH).
# Usage: deploy/bench/vrrp-codec.sh [extra JMH args, e.g. -f 1 -wi 2 -i 3]
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl vrrp -am test-compile -DskipTests
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -pl vrrp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
exec java -cp "vrrp/target/test-classes:vrrp/target/classes:$(cat "$cp_file")" \
  org.openjdk.jmh.Main 'io.lvsha.vrrp.bench.*' "$@"
