#!/usr/bin/env bash
# End-to-end smoke test of a real local cluster (separate processes, real ports), following the coordinator
# issue's acceptance list. Prints what each step showed and exits non-zero on the first failure.
#
#   scripts/smoke.sh [--dir DIR]      (default: a fresh temporary directory; ports 7101-7303 must be free)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mktemp -d /tmp/corral-smoke.XXXXXX)"
[ "${1:-}" = "--dir" ] && dir="$2"
cluster() { "$repo/scripts/cluster.sh" "$@" --dir "$dir"; }
corral() { "$repo/bin/corral" "$@"; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
fail() { echo "FAIL: $*" >&2; cluster stop >/dev/null 2>&1 || true; exit 1; }
# A metric of a member, read from its HTTP port without curl.
metric() {
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
  timeout 2 cat <&3 | sed -n "s/^$2 //p"
  exec 3<&- 3>&-
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
trap 'cluster stop >/dev/null 2>&1 || true' EXIT

# Small log segments, so that snapshots purge the log and a wiped member must come back by snapshot install.
out="$(cluster start -n 3 --set raft.segmentSizeBytes=32768 --set raft.purgeGapEntries=64)"; echo "$out" | tail -2
export CORRAL_COORDINATORS="$(echo "$out" | sed -n 's/^export CORRAL_COORDINATORS=//p')"

job="$(corral submit --op thumbnail:256 --op format:webp "$repo/examples/images" -o json | json "d['id']")"
echo "1. submit of examples/images returned $job"
states="$(corral status "$job" -o json | json "' '.join(sorted(set(t['state'] for t in d['tasks'])))")"
[ "$states" = PENDING ] || fail "tasks are $states"
echo "2. status shows its tasks PENDING"

leader="$(corral cluster status -o json | json "d['leaderId']")"
cluster kill "$leader" >/dev/null
t0=$(now); corral status "$job" -o json | json "d['id']" >/dev/null; t1=$(now)
job2="$(corral submit "$repo/examples/images/tiles.png" -o json | json "d['id']")"; t2=$(now)
echo "3. killed leader $leader: status answered in $(secs "$t0" "$t1") s, a new submission ($job2) in $(secs "$t1" "$t2") s"
cluster restart "$leader" >/dev/null

declare -a tokens
for round in 1 2 3; do
  for i in 1 2; do
    tok="$(corral lock acquire "smoke-$i" --ttl 30s --owner "r$round" -o json | json "d['token']")"
    tokens+=("$tok")
    corral lock release "smoke-$i" --token "$tok" >/dev/null
  done
  l="$(corral cluster status -o json | json "d['leaderId']")"
  cluster kill "$l" >/dev/null; corral cluster status >/dev/null 2>&1 || true
  cluster restart "$l" >/dev/null
done
sorted="$(printf '%s\n' "${tokens[@]}" | sort -n | uniq | tr '\n' ' ')"
[ "$sorted" = "$(printf '%s\n' "${tokens[@]}" | tr '\n' ' ')" ] || fail "tokens not strictly increasing: ${tokens[*]}"
echo "4. lock tokens across holders and three leader changes: ${tokens[*]}(strictly increasing)"

cluster stop >/dev/null
cluster start >/dev/null
for j in "$job" "$job2"; do corral status "$j" -o json | json "d['id']" >/dev/null || fail "$j lost after restart"; done
echo "5. after stop and start, $job and $job2 are still there"

victim="$(corral cluster status -o json | json "[m['id'] for m in d['members'] if m['role']!='LEADER'][0]")"
cluster kill "$victim" >/dev/null
cluster wipe "$victim" >/dev/null
# 200 distinct images (bytes appended after the PNG end marker change the hash, not the picture): ~400 entries.
mkdir -p "$dir/variants"
for i in $(seq 1 200); do { cat "$repo/examples/images/tiles.png"; echo "variant $i"; } > "$dir/variants/v$i.png"; done
corral submit "$dir/variants" >/dev/null
for m in $(corral cluster status -o json | json "' '.join(m['id'] for m in d['members'] if m['reachable'])"); do
  port=$((7200 + ${m#n})); CORRAL_COORDINATORS=127.0.0.1:$port corral cluster snapshot >/dev/null
done
lead="$(corral cluster status -o json | json "[m['appliedIndex'] for m in d['members'] if m['role']=='LEADER'][0]")"
t0=$(now); cluster restart "$victim" >/dev/null
port=$((7300 + ${victim#n})); mine=-1
for _ in $(seq 1 240); do
  mine="$(metric "$port" corral_raft_applied_index)"
  [ "${mine:--1}" -ge "$lead" ] && break
  sleep 0.25
done
[ "${mine:--1}" -ge "$lead" ] || fail "$victim stuck at $mine, leader was at $lead"
grep -q "installed checkpoint" "$dir/$victim/coordinator.log" || fail "$victim caught up without a snapshot install"
echo "6. wiped $victim came back by snapshot install and reached the leader's applied index $lead in $(secs "$t0" "$(now)") s"
echo "smoke test passed ($dir)"
