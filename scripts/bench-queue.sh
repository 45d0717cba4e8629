#!/usr/bin/env bash
# The side-by-side queue benchmark (docs/benchmarks.md, "Queue"): the same workloads against Corral, etcd and a
# RabbitMQ quorum queue, each a fresh 3-node cluster on loopback with fsync on, in turns (round r runs the systems in
# a rotated order), so that all three are measured in one window of this machine's drifting speed. Prints the table
# for docs/benchmarks.md; every result is kept in OUT/results.jsonl.
#
#   scripts/bench-queue.sh [--workloads LIST] [--systems LIST] [--rounds N] [--seconds S] [--warmup S] [--warmup-max S] [--out DIR]
#                          [--threads] [--build]
#
#   --workloads  comma-separated, from: submit-1, submit-16, submit-64, batch-16 (100 jobs per request, 16
#                clients), claim-4x1, claim-16x16 (workers x slots, from a 500,000-job backlog), latency (submit ->
#                held by one of 4 idle workers, 20 jobs/s). Default: all of them
#   --systems    comma-separated, from corral, etcd, rabbitmq (default all three)
#   --rounds N   runs of each workload on each system (default 3; the table shows medians)
#   --seconds S  measured seconds per run (default 20)      --warmup S  seconds run first, not measured (default 20)
#   --warmup-max S  then on warming while the servers' JIT compiler threads take over 5 % of their CPU, up to S
#                   seconds in all (default 120; 0: --warmup only). The result says how long it warmed.
#   --threads    also record the servers' CPU per thread pool (in results.jsonl)
#   --build      rebuild first (default: only when the jars are missing)
#
# Needs Debian's etcd-server, etcd-client and rabbitmq-server (scripts/bench-peers.sh install installs them). Corral
# runs from this checkout (scripts/cluster.sh, ports from 17100); etcd and RabbitMQ from scripts/bench-peers.sh.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bench-lib.sh
source "$repo/scripts/bench-lib.sh"

workloads="$(IFS=,; echo "${all_workloads[*]}")"
systems="corral,etcd,rabbitmq"
rounds=3
seconds=20
warmup=20
warmup_max=120
out=""
threads=()
build=false
while [ $# -gt 0 ]; do
  case "$1" in
    --workloads) workloads="${2:-}"; shift 2 ;;
    --systems) systems="${2:-}"; shift 2 ;;
    --rounds) rounds="${2:-}"; shift 2 ;;
    --seconds) seconds="${2:-}"; shift 2 ;;
    --warmup) warmup="${2:-}"; shift 2 ;;
    --warmup-max) warmup_max="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --threads) threads=(--threads); shift ;;
    --build) build=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
require_positive --rounds "$rounds"
require_positive --seconds "$seconds"
require_seconds --warmup "$warmup"
require_seconds --warmup-max "$warmup_max"
[ "$warmup_max" -eq 0 ] || [ "$warmup_max" -ge "$warmup" ] || die "--warmup-max must be 0 (off) or at least --warmup"
IFS=, read -r -a wl <<<"$workloads"
IFS=, read -r -a sys <<<"$systems"
require_workloads "$workloads"
for s in "${sys[@]}"; do
  case "$s" in corral|etcd|rabbitmq) ;; *) die "unknown system '$s'; known: corral, etcd, rabbitmq" ;; esac
done


export CORRAL_PORT_BASE="${CORRAL_PORT_BASE:-17100}"
require_free_ports 3 "$CORRAL_PORT_BASE"
if $build || [ ! -f "$repo/benchmarks/target/corral-benchmarks.jar" ]; then
  echo "building: mvn -B -q -DskipTests package"
  (cd "$repo" && mvn -B -q -DskipTests package)
fi
build_if_needed false
for s in "${sys[@]}"; do
  case "$s" in
    etcd) command -v etcd >/dev/null || die "etcd is not installed: scripts/bench-peers.sh install" ;;
    rabbitmq) command -v rabbitmq-server >/dev/null || die "RabbitMQ is not installed: scripts/bench-peers.sh install" ;;
  esac
done

out="${out:-$repo/target/bench/queue-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results.jsonl"
corral_dir="$out/corral"

stop_all() {
  "$repo/scripts/cluster.sh" stop --dir "$corral_dir" >/dev/null 2>&1 || true
  "$repo/scripts/bench-peers.sh" stop all >/dev/null 2>&1 || true
}
trap stop_all EXIT

# Starts system $1 fresh; sets endpoints and pids.
start_system() {
  case "$1" in
    corral)
      rm -rf "$corral_dir"
      local started
      started="$("$repo/scripts/cluster.sh" start -n 3 -w 0 --dir "$corral_dir" \
        --set raft.snapshotThresholdEntries=10000)"
      endpoints="$(coordinators_from "$started")"
      [ -n "$endpoints" ] || die "the Corral cluster did not start; see $corral_dir/n*/coordinator.log"
      pids="$(cat "$corral_dir"/n*/pid | paste -sd, -)"
      ;;
    etcd|rabbitmq)
      local started
      started="$("$repo/scripts/bench-peers.sh" start "$1")"
      endpoints="$(sed -n "s/^$1: //p" <<<"$started")"
      [ -n "$endpoints" ] || die "$1 did not start: $started"
      pids="$("$repo/scripts/bench-peers.sh" pids "$1" | paste -sd, -)"
      ;;
  esac
}

stop_system() {
  case "$1" in
    corral) "$repo/scripts/cluster.sh" stop --dir "$corral_dir" >/dev/null ;;
    *) "$repo/scripts/bench-peers.sh" stop "$1" >/dev/null ;;
  esac
}

cp="$repo/benchmarks/target/corral-benchmarks.jar:$repo/benchmarks/target/lib/*"
echo "machine: $(machine)"
echo "results: $results"
for w in "${wl[@]}"; do
  for r in $(seq 1 "$rounds"); do
    # Round r starts with system r (mod n): no system always runs first, or last, in a window.
    n=${#sys[@]}
    for i in $(seq 0 $((n - 1))); do
      s="${sys[$(( (i + r - 1) % n ))]}"
      start_system "$s"
      echo "== $w, round $r, $s ($endpoints)"
      # shellcheck disable=SC2046
      java -Xmx1g -cp "$cp" io.corral.bench.QueueBench --system "$s" --endpoints "$endpoints" --pids "$pids" \
        --label "$w" --warmup "$warmup" --warmup-max "$warmup_max" --seconds "$seconds" --json "$results" "${threads[@]}" $(args_of "$w") \
        | sed -n 's/^RESULT //p'
      stop_system "$s"
    done
  done
done
echo
echo "For docs/benchmarks.md (3 nodes on loopback, fsync on; $(date +%Y-%m-%d), $(machine)):"
java -cp "$cp" io.corral.bench.QueueReport "$results"
