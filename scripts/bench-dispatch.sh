#!/usr/bin/env bash
# The dispatch latency benchmark (docs/benchmarks.md): starts a fresh local cluster with no worker, runs
# `corral bench dispatch` against it, stops it, and prints the figures with a Markdown row for docs/benchmarks.md.
#
#   scripts/bench-dispatch.sh [--jobs N] [--warmup N] [-n 3|5] [--placement same|leader|other|any] [--dir DIR] [--keep] [--build]
#
#   --jobs N     measured jobs (default 1000)          --warmup N   jobs run first, not measured (default 50)
#   -n 3|5       coordinators (default 3)              --dir DIR    cluster data (default target/bench/dispatch-TIME)
#   --keep       keep DIR afterwards (logs)            --build      rebuild the jars first (default: only if absent)
#   --placement  same: submitter and worker on one follower (default); leader: the worker on the leader, the
#                submitter on a follower; other: each on a different follower; any: as the client picks
#   --auth       tokens on (scripts/cluster.sh --auth), the benchmark with the admin token: what ownership and roles
#                cost, against a run without
#
# The Raft log is fsynced in DIR, so the figures depend on its disk: keep it on the disk you want to measure (not a
# tmpfs). Ports start at CORRAL_PORT_BASE (default 17100 here, so that a quick-start cluster on 7100 is left alone).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bench-lib.sh
source "$repo/scripts/bench-lib.sh"

jobs=1000
warmup=50
size=3
dir=""
keep=false
build=false
placement=same
auth=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="${2:-}"; shift 2 ;;
    --warmup) warmup="${2:-}"; shift 2 ;;
    -n) size="${2:-}"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    --build) build=true; shift ;;
    --placement) placement="${2:-}"; shift 2 ;;
    --auth) auth=(--auth); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$placement" in same|leader|other|any) ;; *) die "--placement must be same, leader, other or any, got '$placement'" ;; esac

export CORRAL_PORT_BASE="${CORRAL_PORT_BASE:-17100}"
require_free_ports "$size" "$CORRAL_PORT_BASE"
build_if_needed "$build"
dir="${dir:-$repo/target/bench/dispatch-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

cleanup() {
  "$repo/scripts/cluster.sh" stop --dir "$dir" >/dev/null 2>&1 || true
  if $keep; then echo "cluster data and logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# The production default snapshot threshold (cluster.sh sets a low one for demos): a snapshot every 1,000 entries
# would land in the middle of the run about three times.
started="$("$repo/scripts/cluster.sh" start -n "$size" -w 0 --dir "$dir" --set raft.snapshotThresholdEntries=10000 \
  "${auth[@]}")"
token=()
if [ ${#auth[@]} -gt 0 ]; then token=(--token-file "$dir/auth/admin.token"); fi
coordinators="$(coordinators_from "$started")"
[ -n "$coordinators" ] || die "the cluster did not start; see $dir/n*/coordinator.log (run with --keep)"


echo "machine: $(machine)"
echo "cluster: $size coordinators on 127.0.0.1 (ports from $CORRAL_PORT_BASE), data in $dir${auth:+, tokens on}"
echo
result="$("$repo/bin/corral" --coordinators "$coordinators" "${token[@]}" bench dispatch --jobs "$jobs" --warmup "$warmup" \
  --placement "$placement")"
echo "$result"

# MEASURE FROM TO COUNT P50 P90 P99 MAX MEAN: fields 5 to 9 of the rows.
row() { awk -v m="$1" '$1 == m { print $5, $6, $7, $8, $9 }' <<<"$result"; }
read -r d50 d90 d99 dmax dmean <<<"$(row dispatch)"
read -r s50 _ s99 _ _ <<<"$(row submit)"
read -r _ _ e99 _ _ <<<"$(row end-to-end)"
echo
echo "For docs/benchmarks.md (dispatch table; milliseconds):"
echo "| $(date +%Y-%m-%d) | $(machine), placement $placement | $size | $jobs | $d50 | $d90 | $d99 | $dmax | $dmean | $s50 / $s99 | $e99 |"
