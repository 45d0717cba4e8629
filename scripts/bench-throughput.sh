#!/usr/bin/env bash
# The image throughput benchmark (docs/benchmarks.md). In one run, on the same files with the same operations:
#   1. the plain loop: `corral-worker bench-pipeline`, the image pipeline in one process without a cluster, on 1
#      thread and on as many threads as the cluster's workers have slots in all;
#   2. the cluster: a fresh local cluster (3 coordinators, 2 workers), `corral bench throughput` (upload timed apart,
#      then one job over every image, timed from its submission to its end by the leader's clock).
# Then it prints images per second of each, the cluster's ratio to both loops, and a Markdown row for the docs.
#
#   scripts/bench-throughput.sh [--images N] [--ops "OP OP..."] [--workers N] [--slots N] [--dir DIR] [--keep] [--build]
#
#   --images N   photos of 2-12 MP (default 300)        --ops "..."  operations (default "resize:1024x1024 format:jpeg,q=85")
#   --workers N  workers (default 2)                    --slots N    slots of each worker (default: cores, nproc)
#   --dir DIR    cluster data (default target/bench/throughput-TIME)   --keep  keep it (logs)   --build  rebuild first
#
# The photos: Debian wallpaper packages (scripts/fetch-test-images.sh --photos, into target/test-images), from which
# `corral-worker bench-images` derives N distinct JPEGs (crops of random size and position, cached in
# target/bench/images-N). Ports start at CORRAL_PORT_BASE (default 17500 here).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bench-lib.sh
source "$repo/scripts/bench-lib.sh"

images=300
ops="resize:1024x1024 format:jpeg,q=85"
workers=2
slots="$(nproc)"
dir=""
keep=false
build=false
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images="${2:-}"; shift 2 ;;
    --ops) ops="${2:-}"; shift 2 ;;
    --workers) workers="${2:-}"; shift 2 ;;
    --slots) slots="${2:-}"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    --build) build=true; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$images" =~ ^[1-9][0-9]*$ ]] || die "--images must be a positive number, got '$images'"
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "--workers must be a positive number, got '$workers'"
[[ "$slots" =~ ^[1-9][0-9]*$ ]] || die "--slots must be a positive number, got '$slots'"
op_args=()
for op in $ops; do op_args+=(--op "$op"); done
[ ${#op_args[@]} -gt 0 ] || die "--ops names no operation"
total_slots=$((workers * slots))

export CORRAL_PORT_BASE="${CORRAL_PORT_BASE:-17500}"
require_free_ports 3 "$CORRAL_PORT_BASE"
build_if_needed "$build"

# ---- the photos ----
photos="$repo/target/test-images"
"$repo/scripts/fetch-test-images.sh" --photos "$photos" >/dev/null
sources=()
for pkg in ukui-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds; do
  [ -d "$photos/$pkg" ] && sources+=("$photos/$pkg")
done
[ ${#sources[@]} -gt 0 ] || die "no photo package could be fetched; run apt-get update, then try again"
set_dir="$repo/target/bench/images-$images"
if [ ! -f "$set_dir/.complete" ]; then
  rm -rf "$set_dir"
  "$repo/bin/corral-worker" bench-images --out "$set_dir" --count "$images" "${sources[@]}"
  touch "$set_dir/.complete"
fi
echo "machine: $(machine)"
echo "images:  $images JPEGs of 2-12 MP in $set_dir ($(du -sh "$set_dir" | cut -f1)), from ${sources[*]##*/}"
echo "ops:     $ops"
echo

# ---- the plain loop, with no cluster running ----
per_s() { awk '$1 == "IMAGES_PER_S" { print $2 }' <<<"$1"; }
echo "== plain loop, 1 thread"
loop1="$("$repo/bin/corral-worker" bench-pipeline "${op_args[@]}" --threads 1 "$set_dir")"
echo "$loop1"
echo "== plain loop, $total_slots threads (the workers' slots in all)"
loopn="$("$repo/bin/corral-worker" bench-pipeline "${op_args[@]}" --threads "$total_slots" "$set_dir")"
echo "$loopn"

# ---- the cluster ----
dir="${dir:-$repo/target/bench/throughput-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
cleanup() {
  "$repo/scripts/cluster.sh" stop --dir "$dir" >/dev/null 2>&1 || true
  if $keep; then echo "cluster data and logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
echo "== cluster: 3 coordinators, $workers workers of $slots slots (data in $dir)"
started="$("$repo/scripts/cluster.sh" start -n 3 -w "$workers" -s "$slots" --dir "$dir" \
  --set raft.snapshotThresholdEntries=10000)"
coordinators="$(coordinators_from "$started")"
[ -n "$coordinators" ] || die "the cluster did not start; see $dir/n*/coordinator.log (run with --keep)"
# The workers are JVMs of their own: wait until every one has registered.
deadline=$((SECONDS + 60))
until [ "$("$repo/bin/corral" --coordinators "$coordinators" workers 2>/dev/null | grep -c ' active$')" -ge "$workers" ]; do
  [ $SECONDS -lt $deadline ] || die "the $workers workers did not all register within 60 s; see $dir/w*/worker.log"
  sleep 0.5
done
cluster="$("$repo/bin/corral" --coordinators "$coordinators" bench throughput "${op_args[@]}" "$set_dir")"
echo "$cluster"

c="$(per_s "$cluster")"
l1="$(per_s "$loop1")"
ln="$(per_s "$loopn")"
upload="$(awk '$1 == "UPLOAD_S" { print $2 }' <<<"$cluster")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }'; }
echo
echo "== summary (images per second)"
echo "cluster ($workers workers x $slots slots):  $c"
echo "plain loop, 1 thread:           $l1   cluster / loop = $(ratio "$c" "$l1")   (issue 3 target: at least 85 %)"
echo "plain loop, $total_slots threads:          $ln   cluster / loop = $(ratio "$c" "$ln")"
echo
echo "For docs/benchmarks.md (throughput table):"
echo "| $(date +%Y-%m-%d) | $(machine) | $images | $ops | $workers × $slots | $c | $l1 | $ln | $(ratio "$c" "$l1") | $(ratio "$c" "$ln") | $upload |"
