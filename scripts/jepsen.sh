#!/usr/bin/env bash
# Long runs of the fault-injection harness (module jepsen-tests): a cluster in Docker containers, concurrent clients,
# faults on a seeded schedule, then the checkers and a report. See docs/jepsen.md.
#
#   scripts/jepsen.sh [--workload queue|lock|all] [--nemesis LIST] [--time SECONDS] [--nodes 3|5] [--seed N] ...
#   scripts/jepsen.sh --help
#
# Builds the jars when they are missing or older than a source (mvn -B -DskipTests package), makes sure a Docker
# engine answers (scripts/docker-up.sh), then runs io.corral.jepsen.Main. Prints where the report is; exits 0 when the
# run is valid, 1 when a checker found an anomaly, 3 when a check could not decide, 2 on a usage error.
set -euo pipefail
# shellcheck source=scripts/jepsen-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/jepsen-lib.sh"
jepsen_run io.corral.jepsen.Main "$@"
