#!/usr/bin/env bash
# Two builds of Corral side by side (docs/benchmarks.md, "Comparing two builds"): the queue benchmark's workloads run
# against a fresh 3-node cluster of each build in turn, alternating in every round (round r starts with the base when r
# is odd, with the head when it is even), so both are measured in one window of this machine's drifting speed. Prints
# a table of each build's medians and the head's ratios to the base; every result is kept in OUT/results.jsonl.
#
#   scripts/bench-compare.sh [--base REV] [--head REV] [--workloads LIST] [--rounds N] [--seconds S] [--warmup S] [--warmup-max S]
#                            [--out DIR]
#
#   --base REV   the build compared against (default main)
#   --head REV   the build measured (default: this checkout as it is, uncommitted changes included, rebuilt)
#   --workloads  comma-separated, as scripts/bench-queue.sh's (default submit-1,submit-16,claim-16x16)
#   --rounds N   runs of each workload on each build (default 3)    --seconds S  measured seconds (default 20)
#   --warmup S   seconds run first, not measured (default 20)
#   --warmup-max S  then on warming while the servers' JIT compiler threads take over 5 % of their CPU, up to S
#                   seconds in all (default 120; 0: --warmup only). The result says how long it warmed.
#
# A REV is checked out (git worktree) under target/bench/builds/SHA and built once (mvn -B -q -DskipTests package);
# each build's cluster starts with its own scripts/cluster.sh and jars. The benchmark client is this checkout's (build
# it with mvn -B -q -DskipTests package); both builds must speak its protocol version. Ports from CORRAL_PORT_BASE
# (default 17100).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bench-lib.sh
source "$repo/scripts/bench-lib.sh"

base_rev="main"
head_rev=""
workloads="submit-1,submit-16,claim-16x16"
rounds=3
seconds=20
warmup=20
warmup_max=120
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base_rev="${2:-}"; shift 2 ;;
    --head) head_rev="${2:-}"; shift 2 ;;
    --workloads) workloads="${2:-}"; shift 2 ;;
    --rounds) rounds="${2:-}"; shift 2 ;;
    --seconds) seconds="${2:-}"; shift 2 ;;
    --warmup) warmup="${2:-}"; shift 2 ;;
    --warmup-max) warmup_max="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
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
require_workloads "$workloads"

export CORRAL_PORT_BASE="${CORRAL_PORT_BASE:-17100}"
require_free_ports 3 "$CORRAL_PORT_BASE"

# The directory of a built checkout of $1 (a worktree under target/bench/builds, built once), or this checkout.
build_of() {
  local rev="$1" sha dir
  if [ -z "$rev" ]; then
    echo "building this checkout" >&2
    (cd "$repo" && mvn -B -q -DskipTests package >&2) || die "the build of this checkout failed"
    echo "$repo"
    return
  fi
  sha="$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}")" || die "no such revision: $rev"
  dir="$repo/target/bench/builds/$sha"
  if [ ! -f "$dir/coordinator/target/corral-coordinator.jar" ]; then
    echo "building $rev ($sha) in $dir" >&2
    rm -rf "$dir"
    git -C "$repo" worktree prune
    git -C "$repo" worktree add --detach --force "$dir" "$sha" >/dev/null 2>&1 || die "cannot check out $rev in $dir"
    (cd "$dir" && mvn -B -q -DskipTests package >&2) || die "the build of $rev failed"
  fi
  echo "$dir"
}

name_of() {
  if [ -z "$1" ]; then
    echo "this checkout \`$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- . 2>/dev/null || echo +changes)\`"
  else
    echo "$1 \`$(git -C "$repo" rev-parse --short "$1")\`"
  fi
}

base_dir="$(build_of "$base_rev")"
head_dir="$(build_of "$head_rev")"
[ -f "$repo/benchmarks/target/corral-benchmarks.jar" ] \
  || (cd "$repo" && mvn -B -q -DskipTests package) || die "cannot build the benchmark client"
base_name="$(name_of "$base_rev")"
head_name="$(name_of "$head_rev")"

out="${out:-$repo/target/bench/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results.jsonl"
cluster_dir="$out/corral"
current=""
trap '[ -z "$current" ] || "$current/scripts/cluster.sh" stop --dir "$cluster_dir" >/dev/null 2>&1 || true' EXIT

cp="$repo/benchmarks/target/corral-benchmarks.jar:$repo/benchmarks/target/lib/*"
echo "machine: $(machine)"
echo "base: $base_name ($base_dir)"
echo "head: $head_name ($head_dir)"
echo "results: $results"
for w in "${wl[@]}"; do
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then order=(base head); else order=(head base); fi
    for variant in "${order[@]}"; do
      if [ "$variant" = base ]; then current="$base_dir"; else current="$head_dir"; fi
      rm -rf "$cluster_dir"
      started="$("$current/scripts/cluster.sh" start -n 3 -w 0 --dir "$cluster_dir" \
        --set raft.snapshotThresholdEntries=10000)"
      endpoints="$(coordinators_from "$started")"
      [ -n "$endpoints" ] || die "the $variant cluster did not start; see $cluster_dir/n*/coordinator.log"
      pids="$(cat "$cluster_dir"/n*/pid | paste -sd, -)"
      echo "== $w, round $r, $variant"
      # shellcheck disable=SC2046
      java -Xmx1g -cp "$cp" io.corral.bench.QueueBench --system corral --endpoints "$endpoints" --pids "$pids" \
        --label "$w" --variant "$variant" --warmup "$warmup" --warmup-max "$warmup_max" --seconds "$seconds" --json "$results" $(args_of "$w") \
        | sed -n 's/^RESULT //p'
      "$current/scripts/cluster.sh" stop --dir "$cluster_dir" >/dev/null
      current=""
    done
  done
done
echo
echo "For docs/benchmarks.md (3 nodes on loopback, fsync on; $(date +%Y-%m-%d), $(machine)):"
java -cp "$cp" io.corral.bench.CompareReport "$results" "$base_name" "$head_name"
