#!/usr/bin/env bash
# The README's test command: installs what the tests need (idempotent; apt-get update only when
# something is missing), then builds and runs every test. Tests tagged "netns" need root and
# `ip netns`; elsewhere they skip themselves with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/packages.sh
. deploy/packages.sh
ensure_packages test
exec ./mvnw -B -ntp verify "$@"
