# shellcheck shell=bash
# Shared by the benchmark scripts (bench-dispatch, bench-throughput, bench-queue, bench-compare, bench-deep-queue);
# sourced, not run.
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

# The queue benchmark's workloads (scripts/bench-queue.sh, scripts/bench-compare.sh) and their QueueBench arguments.
# shellcheck disable=SC2034 # used by the scripts that source this file
all_workloads=(submit-1 submit-16 submit-64 batch-16 claim-4x1 claim-16x16 latency)
args_of() {
  case "$1" in
    submit-1) echo "--workload submit --clients 1" ;;
    submit-16) echo "--workload submit --clients 16" ;;
    submit-64) echo "--workload submit --clients 64" ;;
    batch-16) echo "--workload submit --clients 16 --per-request 100" ;;
    claim-4x1) echo "--workload claim --workers 4 --slots 1 " ;;
    claim-16x16) echo "--workload claim --workers 16 --slots 16 " ;;
    latency) echo "--workload latency --workers 4 --slots 1 --rate 20" ;;
  esac
}

# Dies unless $2, the value of option $1, is a positive whole number (require_positive) or a whole number of seconds
# (require_seconds).
require_positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive whole number, got '$2'"; }
require_seconds() { [[ "$2" =~ ^[0-9]+$ ]] || die "$1 must be a whole number of seconds, got '$2'"; }

# Dies unless every name in the comma-separated list $1 is one of all_workloads.
require_workloads() {
  local w list
  IFS=, read -r -a list <<<"$1"
  for w in "${list[@]}"; do
    [[ " ${all_workloads[*]} " == *" $w "* ]] || die "unknown workload '$w'; known: ${all_workloads[*]}"
  done
}
