#!/usr/bin/env bash
# Debian packages the project needs, installed only when missing. Sourced by test.sh and demo.sh.

# What each job needs: a JDK 17, iproute2 for namespaces, libpcap for Pcap4J, ping for the client
# probes, keepalived as an interop peer, python3 for the test client that runs as nobody.
PACKAGES_TEST=(openjdk-17-jdk-headless iproute2 libpcap0.8 keepalived iputils-ping procps python3)
PACKAGES_DEMO=(openjdk-17-jdk-headless iproute2 libpcap0.8 iputils-ping procps)

ensure_packages() {
  local job=$1 missing=() pkg
  local -n wanted="PACKAGES_${job^^}"
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
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # keepalived's and tftpd-hpa's packages start services; our tests start their own in namespaces.
  local service
  for service in keepalived tftpd-hpa; do
    if [[ " ${missing[*]} " == *" $service "* ]] && command -v systemctl >/dev/null; then
      systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
}
