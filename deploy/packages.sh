#!/usr/bin/env bash
# Every Debian package the project runs a program from, per job, installed only when missing.
# Sourced by test.sh, lab/demo.sh and bench/run-test-main.sh; `deploy/packages.sh list JOB` prints a
# job's list (an operator's install: `apt-get install $(deploy/packages.sh list agent-ipvs)`).
#
# Program -> package, for the error messages of the agent and the tests:
#   java: openjdk-17-jdk-headless   ip, bridge, ss: iproute2   Pcap4J: libpcap0.8   ping: iputils-ping
#   pkill, sysctl: procps   taskset, runuser, chrt: util-linux   sha256sum, timeout, head: coreutils
#   nft: nftables   conntrack: conntrack   ipvsadm: ipvsadm   iptables(-legacy)(-restore): iptables   logger: bsdutils
#   modprobe: kmod   linux.uml: user-mode-linux   keepalived: keepalived   python3: python3
#   in.tftpd: tftpd-hpa   tftp: tftp-hpa   atftp: atftp   curl: curl   stress-ng: stress-ng   cyclictest: rt-tests

# The agent on a director, by backend (what the agent itself runs).
PACKAGES_AGENT_IPVS=(openjdk-17-jdk-headless libpcap0.8 iproute2 ipvsadm nftables iptables kmod)
PACKAGES_AGENT_NFTABLES=(openjdk-17-jdk-headless libpcap0.8 iproute2 nftables)
PACKAGES_AGENT_DRY_RUN=(openjdk-17-jdk-headless libpcap0.8 iproute2)

# The demo: two directors on the nftables backend, tftpd-hpa real servers, a tftp-hpa client.
PACKAGES_DEMO=("${PACKAGES_AGENT_NFTABLES[@]}" iputils-ping procps coreutils tftpd-hpa tftp-hpa)

# The tests: both backends (the ipvs one in User-Mode Linux guests, whose root is this host's /),
# keepalived as an interop peer, real servers (tftpd-hpa; python3 for HTTP and for a client run as
# nobody), TFTP and HTTP clients (tftp-hpa, atftp, curl), taskset and runuser.
PACKAGES_TEST=("${PACKAGES_AGENT_IPVS[@]}" conntrack iputils-ping procps coreutils util-linux bsdutils python3 keepalived tftpd-hpa tftp-hpa atftp curl user-mode-linux)

# The benchmarks: what the tests need, a load generator for the soak, and cyclictest (rt-tests) for
# the machine's own scheduling latency beside the replication window's.
PACKAGES_BENCH=("${PACKAGES_TEST[@]}" stress-ng rt-tests)

packages_variable() { # JOB -> the name of its list
  local name="PACKAGES_$(printf '%s' "$1" | tr 'a-z-' 'A-Z_')"
  declare -p "$name" >/dev/null 2>&1 || { echo "deploy/packages.sh: no job '$1'" >&2; return 2; }
  echo "$name"
}

ensure_packages() {
  local job=$1 missing=() pkg variable
  variable=$(packages_variable "$job") || return 2
  local -n wanted="$variable"
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d 101: the packages' own services (keepalived, tftpd-hpa) are not started; the tests
  # and the demo start theirs inside namespaces, and a host-wide tftpd would hold port 69.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && created_policy=1
  fi
  local status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -n "$created_policy" ] && rm -f "$policy"
  [ $status -eq 0 ] || { echo "apt-get install ${missing[*]} failed (exit $status)" >&2; return $status; }
  local service
  for service in keepalived tftpd-hpa; do
    if [[ " ${missing[*]} " == *" $service "* ]] && command -v systemctl >/dev/null; then
      systemctl disable "$service" >/dev/null 2>&1 || true
    fi
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    list) variable=$(packages_variable "${2:-}") || exit 2; declare -n listed="$variable"; echo "${listed[*]}" ;;
    *) echo "usage: deploy/packages.sh list test|demo|bench|agent-ipvs|agent-nftables|agent-dry-run" >&2; exit 2 ;;
  esac
fi
