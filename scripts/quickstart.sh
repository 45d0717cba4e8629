#!/usr/bin/env bash
# Builds Corral, starts a local cluster (3 coordinators, 2 workers), submits the sample images in examples/images,
# waits for the workers to process them and downloads the results into ./quickstart-results.
# Afterwards: export the printed CORRAL_COORDINATORS and use bin/corral (status, list, lock, cluster ...).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
mvn -B -q -DskipTests package
out="$(scripts/cluster.sh start -n 3 -w 2 "$@")"
echo "$out"
export CORRAL_COORDINATORS="$(echo "$out" | sed -n 's/^export CORRAL_COORDINATORS=//p')"
echo
echo "$ bin/corral submit --op thumbnail:256 --op format:webp --label source=quickstart --out quickstart-results examples/images"
job="$(bin/corral submit --op thumbnail:256 --op format:webp --label source=quickstart --out quickstart-results \
  examples/images)"
echo
echo "$ bin/corral status $job"
bin/corral status "$job"
echo
echo "$ ls -l quickstart-results"
ls -l quickstart-results
echo
echo "$ bin/corral cluster status"
bin/corral cluster status
echo
echo "Next: export CORRAL_COORDINATORS=$CORRAL_COORDINATORS, then try bin/corral --help; scripts/cluster.sh stop ends it."
