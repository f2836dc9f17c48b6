#!/usr/bin/env bash
# Prints ns/op for encoding and decoding+validating VRRP adverts (JMH).
# Usage: deploy/bench/vrrp-codec.sh [extra JMH args, e.g. -f 1 -wi 2 -i 3]
exec "$(dirname "$0")/run-test-main.sh" vrrp org.openjdk.jmh.Main -- 'io.lvsha.vrrp.bench.*' "$@"
