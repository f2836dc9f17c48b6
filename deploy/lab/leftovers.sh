#!/usr/bin/env bash
# What a test run must leave as it found it: network namespaces, the lab's programs (agents, UML
# guests, tftpd, keepalived, clients), files under /run/ha-agent and /dev/shm, and lab
# directories that no failure asked to keep (/tmp/lvsha-lab/*/KEPT-AFTER-FAILURE).
#   leftovers.sh snapshot > FILE     before the run
#   leftovers.sh check FILE          after it: lists what is new and exits 1 if anything is
set -euo pipefail

state() {
  ip netns list 2>/dev/null | awk '{print "namespace " $1}'
  # Zombies are left out: they hold nothing, and the init process reaps them once their parent ends.
  pgrep -a -f 'lvsha|linux\.uml|in\.tftpd|keepalived|atftp|tftp -m' | grep -v '<defunct>' | awk '{print "process " $0}' || true
  find /run/ha-agent /dev/shm -mindepth 1 2>/dev/null | sed 's/^/file /' || true
  local dir
  for dir in /tmp/lvsha-lab/*/; do
    [ -d "$dir" ] && [ ! -e "$dir/KEPT-AFTER-FAILURE" ] && echo "lab-directory ${dir%/}"
  done
  return 0
}

case "${1:-}" in
  snapshot) state | sort ;;
  check)
    [ -f "${2:-}" ] || { echo "usage: leftovers.sh check SNAPSHOT" >&2; exit 2; }
    new=$(state | sort | comm -13 "$2" -)
    if [ -n "$new" ]; then
      echo "LEFT BEHIND by the tests (each test must remove what it made):"
      printf '%s\n' "$new" | sed 's/^/  /'
      exit 1
    fi
    echo "nothing left behind: no namespace, lab process, /run/ha-agent or /dev/shm file, or unkept lab directory"
    ;;
  *) echo "usage: leftovers.sh snapshot | check SNAPSHOT" >&2; exit 2 ;;
esac
