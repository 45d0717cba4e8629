#!/usr/bin/env bash
# Long runs of the fault-injection harness (module jepsen-tests): a cluster in Docker containers, concurrent clients,
# faults on a seeded schedule, then the checkers and a report. See docs/jepsen.md.
#
#   scripts/jepsen.sh [--workload queue|lock|all] [--nemesis LIST] [--time SECONDS] [--nodes 3|5] [--seed N] ...
#   scripts/jepsen.sh --help
#
# Builds the jars when they are missing (mvn -B -DskipTests package), makes sure a Docker engine answers
# (scripts/docker-up.sh), then runs io.corral.jepsen.Main. Prints where the report is; exits 0 when the run is valid,
# 1 when a checker found an anomaly, 3 when a check could not decide, 2 on a usage error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

case " $* " in
  *" --help "*|*" -h "*) need_docker=no ;;
  *) need_docker=yes ;;
esac

# The harness's class path is written by the same reactor build that packages the sibling modules: a build of
# jepsen-tests alone cannot resolve them unless they were installed into ~/.m2, which a fresh clone has not done.
cp_file=jepsen-tests/target/runtime.classpath
if [[ ! -f coordinator/target/corral-coordinator.jar || ! -f worker-agent/target/corral-worker-agent.jar \
      || ! -d jepsen-tests/target/classes/io/corral/jepsen || ! -f "$cp_file" || jepsen-tests/pom.xml -nt "$cp_file" ]]; then
  echo "jepsen: building (mvn -B -q -DskipTests package)"
  mvn -B -q -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime
fi
[[ "$need_docker" == yes ]] && scripts/docker-up.sh

export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_CHECKS_DISABLE=true
exec java -Djava.awt.headless=true -cp "jepsen-tests/target/classes:$(cat "$cp_file")" io.corral.jepsen.Main --root "$root" "$@"
