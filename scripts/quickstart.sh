#!/usr/bin/env bash
# Builds Corral, starts a local 3-member cluster and submits the sample images in examples/images.
# Afterwards: export the printed CORRAL_COORDINATORS and use bin/corral (status, list, lock, cluster ...).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
mvn -B -q -DskipTests package
out="$(scripts/cluster.sh start -n 3 "$@")"
echo "$out"
export CORRAL_COORDINATORS="$(echo "$out" | sed -n 's/^export CORRAL_COORDINATORS=//p')"
echo
echo "$ bin/corral submit --op thumbnail:256 --op format:webp --label source=quickstart examples/images"
job="$(bin/corral submit --op thumbnail:256 --op format:webp --label source=quickstart examples/images --output json \
  | sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' | head -1)"
echo "submitted $job"
echo
echo "$ bin/corral status $job"
bin/corral status "$job"
echo
echo "$ bin/corral cluster status"
bin/corral cluster status
echo
echo "Next: export CORRAL_COORDINATORS=$CORRAL_COORDINATORS, then try bin/corral --help; scripts/cluster.sh stop ends it."
