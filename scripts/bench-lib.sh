# Shared by scripts/bench-dispatch.sh and scripts/bench-throughput.sh; sourced, not run.
# Expects $repo (the repository root) to be set.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Builds the jars the launchers in bin/ run, unless they are there already (or $1 is "true": always).
build_if_needed() {
  local force="${1:-false}"
  if $force || [ ! -f "$repo/coordinator/target/corral-coordinator.jar" ] \
      || [ ! -f "$repo/client-cli/target/corral-client-cli.jar" ] \
      || [ ! -f "$repo/worker-agent/target/corral-worker-agent.jar" ]; then
    echo "building: mvn -B -q -DskipTests package"
    (cd "$repo" && mvn -B -q -DskipTests package)
  fi
}

# Refuses to start when any port a cluster of $1 members at base $2 would use is taken (a quick-start cluster, an
# earlier run that was not stopped): its members would fail to bind, or worse, the benchmark would measure the other one.
require_free_ports() {
  local size="$1" base="$2" i port
  for i in $(seq 1 "$size"); do
    for port in $((base + i)) $((base + 100 + i)) $((base + 200 + i)); do
      if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
        exec 3<&- 3>&-
        die "port $port is in use; stop what listens there or set CORRAL_PORT_BASE to another base"
      fi
    done
  done
}

# One line that says what the figures were measured on.
machine() {
  local cpu mem
  cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)"
  mem="$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)"
  echo "$(nproc) cores (${cpu:-unknown CPU}), ${mem:-? GiB} RAM, Linux $(uname -r), Java $(java -version 2>&1 \
    | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)"
}

# The line "export CORRAL_COORDINATORS=..." that scripts/cluster.sh start prints, as the list alone.
coordinators_from() {
  sed -n 's/^export CORRAL_COORDINATORS=//p' <<<"$1"
}
