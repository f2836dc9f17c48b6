#!/usr/bin/env bash
# The README's test command (as root): installs what the tests need (idempotent; apt-get update
# only when something is missing), builds and runs every test, then fails if the tests left a
# namespace, a process or a file behind. Tests tagged "netns" need root and `ip netns`; elsewhere
# they skip themselves and print why.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/packages.sh
. deploy/packages.sh
ensure_packages test
before=$(mktemp)
trap 'rm -f "$before"' EXIT
deploy/lab/leftovers.sh snapshot > "$before"
status=0
./mvnw -B -ntp verify "$@" || status=$?
deploy/lab/leftovers.sh check "$before" || { [ $status -ne 0 ] || status=1; }
exit $status
