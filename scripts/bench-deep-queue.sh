#!/usr/bin/env bash
# Deep queues (docs/benchmarks.md, "Deep queue"): one fresh 3-node Corral cluster on loopback (fsync on) measured with
# an empty queue, then filled with TASKS pending tasks and measured again: submit and claim throughput, the
# coordinators' memory (RSS) and data size, the time a snapshot takes and the time a restarted member takes to come
# up and catch up. Prints the table for docs/benchmarks.md; every result is kept in OUT/results.jsonl.
#
#   scripts/bench-deep-queue.sh [--tasks N] [--seconds S] [--warmup S] [--warmup-max S] [--out DIR] [--build]
#
#   --tasks N    pending tasks to fill, as 100-image jobs from 16 clients (default 10000000)
#   --seconds S  measured seconds per workload (default 20)     --warmup S  seconds run first, not measured (default 20)
#   --warmup-max S  then on warming while the servers' JIT compiler threads take over 5 % of their CPU, up to S
#                   seconds in all (default 120; 0: --warmup only). The result says how long it warmed.
#   --build      rebuild first (default: only when the jars are missing)
#
# The workloads are the queue benchmark's (scripts/bench-queue.sh): submit-16 (16 clients, one job each at a time,
# acknowledged) and claim-16x16 (16 workers of 16 slots take and complete; they take the oldest tasks, so with the
# queue filled they work at its head while TASKS wait behind). Ports from CORRAL_PORT_BASE (default 17100).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bench-lib.sh
source "$repo/scripts/bench-lib.sh"

tasks=10000000
seconds=20
warmup=20
warmup_max=120
out=""
build=false
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks="${2:-}"; shift 2 ;;
    --seconds) seconds="${2:-}"; shift 2 ;;
    --warmup) warmup="${2:-}"; shift 2 ;;
    --warmup-max) warmup_max="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --build) build=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
require_positive --tasks "$tasks"
require_positive --seconds "$seconds"
require_seconds --warmup "$warmup"
require_seconds --warmup-max "$warmup_max"
[ "$warmup_max" -eq 0 ] || [ "$warmup_max" -ge "$warmup" ] || die "--warmup-max must be 0 (off) or at least --warmup"

export CORRAL_PORT_BASE="${CORRAL_PORT_BASE:-17100}"
require_free_ports 3 "$CORRAL_PORT_BASE"
if $build || [ ! -f "$repo/benchmarks/target/corral-benchmarks.jar" ]; then
  echo "building: mvn -B -q -DskipTests package"
  (cd "$repo" && mvn -B -q -DskipTests package)
fi
build_if_needed false

out="${out:-$repo/target/bench/deep-queue-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results.jsonl"
dir="$out/corral"
cp="$repo/benchmarks/target/corral-benchmarks.jar:$repo/benchmarks/target/lib/*"

trap '"$repo/scripts/cluster.sh" stop --dir "$dir" >/dev/null 2>&1 || true' EXIT
started="$("$repo/scripts/cluster.sh" start -n 3 -w 0 --dir "$dir" --set raft.snapshotThresholdEntries=10000)"
endpoints="$(coordinators_from "$started")"
[ -n "$endpoints" ] || die "the Corral cluster did not start; see $dir/n*/coordinator.log"
export CORRAL_COORDINATORS="$endpoints"

pids() { cat "$dir"/n*/pid | paste -sd, -; }

# One QueueBench run labelled $1; prints its RESULT JSON.
bench() {
  local label="$1"; shift
  echo "== $label" >&2
  java -Xmx1g -cp "$cp" io.corral.bench.QueueBench --system corral --endpoints "$endpoints" --pids "$(pids)" \
    --label "$label" --seconds "$seconds" --json "$results" "$@" | sed -n 's/^RESULT //p'
}

# The members' resident memory, largest first, in MiB ("n1 812, n2 790, n3 640").
rss() {
  local m
  for m in n1 n2 n3; do
    awk -v m="$m" '/^VmRSS/ {printf "%s %d\n", m, $2 / 1024}' "/proc/$(cat "$dir/$m/pid")/status"
  done | sort -k2 -nr | paste -sd, - | sed 's/,/, /g'
}

data_mib() { du -sm "$dir"/n1 | cut -f1; }

# A JSON field of a RESULT line.
field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" <<<"$1" | tr -d '"'; }

echo "machine: $(machine)"
echo "results: $results"
empty_submit="$(bench empty-submit-16 --workload submit --clients 16 --warmup "$warmup" --warmup-max "$warmup_max")"
empty_claim="$(bench empty-claim-16x16 --workload claim --workers 16 --slots 16 --warmup "$warmup" --warmup-max "$warmup_max")"
rss_empty="$(rss)"

fill="$(bench fill --workload fill --tasks "$tasks" --per-request 100 --clients 16 --warmup 0)"
rss_full="$(rss)"
data_full="$(data_mib)"

deep_submit="$(bench deep-submit-16 --workload submit --clients 16 --warmup "$warmup" --warmup-max "$warmup_max")"
deep_claim="$(bench deep-claim-16x16 --workload claim --workers 16 --slots 16 --backlog 0 --warmup "$warmup" --warmup-max "$warmup_max")"
rss_deep="$(rss)"

echo "== snapshot" >&2
snap_start=$(date +%s%N)
snapshot="$("$repo/bin/corral" cluster snapshot)"
snap_ms=$(( ($(date +%s%N) - snap_start) / 1000000 ))

# Restart a follower: the time to its "up" line, and until it has applied what the leader had committed.
status_json="$("$repo/bin/corral" cluster status -o json)"
member="$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(m["id"] for m in d["members"] if m["role"]!="LEADER"))' <<<"$status_json")"
echo "== restart $member" >&2
restart_start=$(date +%s%N)
"$repo/scripts/cluster.sh" restart "$member" --dir "$dir" >/dev/null
caught_up_ms=""
for _ in $(seq 1 600); do
  if python3 -c '
import json,sys
d=json.load(sys.stdin); m={x["id"]: x for x in d["members"]}; me=m[sys.argv[1]]
lead=m.get(d.get("leaderId") or "", {})
sys.exit(0 if me["reachable"] and me["appliedIndex"] >= lead.get("commitIndex", 1 << 62) > 0 else 1)' "$member" \
      <<<"$("$repo/bin/corral" cluster status -o json 2>/dev/null || echo '{"members":[]}')" 2>/dev/null; then
    caught_up_ms=$(( ($(date +%s%N) - restart_start) / 1000000 ))
    break
  fi
  sleep 0.5
done
up_line="$(grep "coordinator $member up:" "$dir/$member/coordinator.log" | tail -1 | sed 's/.*; started/started/')"

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{b / a:.2f}×' if a else '–')" "$1" "$2"; }

echo
echo "For docs/benchmarks.md (3 nodes on loopback, fsync on; $(date +%Y-%m-%d), $(machine)):"
echo
echo "| | empty queue | $tasks pending | deep ÷ empty |"
echo "|---|---|---|---|"
echo "| submit-16 jobs/s (p50 / p99 ms; CPU ms/job) | $(field "$empty_submit" jobsPerSecond) ($(field "$empty_submit" p50Ms) / $(field "$empty_submit" p99Ms); $(field "$empty_submit" cpuMsPerJob)) | $(field "$deep_submit" jobsPerSecond) ($(field "$deep_submit" p50Ms) / $(field "$deep_submit" p99Ms); $(field "$deep_submit" cpuMsPerJob)) | $(ratio "$(field "$empty_submit" jobsPerSecond)" "$(field "$deep_submit" jobsPerSecond)") |"
echo "| claim-16x16 jobs/s (CPU ms/job) | $(field "$empty_claim" jobsPerSecond) ($(field "$empty_claim" cpuMsPerJob)) | $(field "$deep_claim" jobsPerSecond) ($(field "$deep_claim" cpuMsPerJob)) | $(ratio "$(field "$empty_claim" jobsPerSecond)" "$(field "$deep_claim" jobsPerSecond)") |"
echo "| coordinators' RSS, MiB | $rss_empty | $rss_full after the fill, $rss_deep after the runs | |"
echo
echo "Fill: $(field "$fill" tasks) tasks in $(field "$fill" fillSeconds) s ($(field "$fill" tasksPerSecond) tasks/s, CPU $(field "$fill" cpuMsPerTask) ms/task); n1's data directory $data_full MiB."
echo "Snapshot: '$snapshot' in $snap_ms ms. Restart of $member: $up_line; caught up ${caught_up_ms:-not within 300 s} ms after the restart began."
