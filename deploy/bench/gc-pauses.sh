#!/usr/bin/env bash
# The agent's stop-the-world pauses under each collector: one lab per collector, each a pair at
# 10 ms adverts (d1 master, d2 backup, whose capture path allocates for every advert it hears),
# started with deploy/bin/ha-agent's flags but for the collector, all at once for MINUTES
# (default 5), so that the machine's noise hits them alike; with "load" both cores are kept busy.
# After 15 s of start-up, per collector and node: every safepoint's total time (min / median / p99
# / max, and how many), the GC pauses among them, the HA loop's timers served over 5 ms late over
# the whole run, the RSS at the end, and the longest safepoint's line. Needs root.
#   gc-pauses.sh [MINUTES [load]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
# shellcheck source=deploy/packages.sh
. deploy/packages.sh
ensure_packages bench
minutes=${1:-5} load=${2:-}
settle_seconds=15
jar=ha-agent/target/ha-agent.jar
[ -f "$jar" ] || ./mvnw -B -q -ntp package -DskipTests
work=$(mktemp -d /tmp/lvsha-gc.XXXXXX)
chmod 755 "$work"
declare -A flags=(
  [serial]="-XX:+UseSerialGC"
  [shenandoah]="-XX:+UseShenandoahGC"
  [zgc]="-XX:+UseZGC"
)
collectors=(serial shenandoah zgc)
declare -A pid_of
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for gc in "${collectors[@]}"; do "$top/deploy/lab/lab.sh" down "lvgc$$$gc-" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for gc in "${collectors[@]}"; do
  prefix="lvgc$$$gc-"
  "$top/deploy/lab/lab.sh" up "$prefix"
  mkdir -m 755 "$work/$gc"
  for node in d1:150 d2:100; do
    name=${node%%:*}
    "$top/deploy/lab/lab.sh" config "$prefix" "$name" "${node##*:}" 10ms "$work/$gc/$name.events" > "$work/$gc/$name.yaml"
    # shellcheck disable=SC2086
    ip netns exec "$prefix$name" java -Xms64m -Xmx64m -XX:+AlwaysPreTouch ${flags[$gc]} \
      -Xlog:safepoint,gc:file="$work/$gc/$name.vm.log" -jar "$jar" --config "$work/$gc/$name.yaml" > "$work/$gc/$name.out" 2>&1 &
    pids+=($!)
    pid_of[$gc/$name]=$!
    sleep 2 # d1 first: it is master when d2 starts
  done
done
sleep "$settle_seconds"
if [ "$load" = load ]; then
  for _ in 1 2; do timeout "$((minutes * 60))" sha256sum /dev/zero > /dev/null 2>&1 & pids+=($!); done
fi
echo "== $minutes min, 3 pairs at 10 ms adverts${load:+, both cores busy}"
sleep "$((minutes * 60))"
summary() { # values in ms on stdin
  sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "none"; exit}
    p = int(NR * 0.99); if (p < 1) p = 1
    printf "%.3f / %.3f / %.3f / %.3f ms (%d)", a[1], a[int((NR+1)/2)], a[p], a[NR], NR}'
}
printf '%-14s %-52s %-44s %-7s %s\n' "collector" "safepoints: min / median / p99 / max (count)" \
  "GC pauses: min / median / p99 / max (count)" "stalls" "RSS"
longest=()
for gc in "${collectors[@]}"; do
  for name in d1 d2; do
    if ! kill -0 "${pid_of[$gc/$name]}" 2>/dev/null; then
      echo "$gc $name: the agent ended early; its output:"; tail -n 20 "$work/$gc/$name.out"; continue
    fi
    # Only the steady state: what start-up does (class loading, the first collections) is left out.
    steady=$(awk -F'[][]' '{uptime = $2; sub(/s$/, "", uptime)} uptime + 0 >= '"$settle_seconds" "$work/$gc/$name.vm.log")
    safepoints=$(grep -o 'Total: [0-9]* ns' <<< "$steady" | awk '{print $2 / 1e6}' | summary || true)
    pauses=$(grep -E '\[gc *\].*Pause' <<< "$steady" | grep -oE '[0-9.]+ms$' | tr -d 'ms' | summary || true)
    stalls=$(grep -c 'HA loop served a timer' "$work/$gc/$name.out" || true)
    pid=$(pgrep -f "$work/$gc/$name.yaml" | tail -n 1 || true)
    rss=$([ -n "$pid" ] && awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status" || echo "?")
    printf '%-14s %-52s %-44s %-7s %s\n' "$gc $name" "$safepoints" "$pauses" "$stalls" "$rss"
    longest+=("$gc $name: $(grep -o 'Safepoint "[^"]*".*Total: [0-9]* ns' <<< "$steady" \
      | awk '{print $(NF-1), $0}' | sort -n | tail -n 1 | cut -d' ' -f2- || true)")
  done
done
echo "the longest safepoint of each:"
printf '  %s\n' "${longest[@]}"
