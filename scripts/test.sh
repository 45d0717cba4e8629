#!/usr/bin/env bash
# The project's test command (the README's, and what .ci/run runs): makes sure a Docker engine answers for the
# fault-injection harness (scripts/docker-up.sh; installs and starts one when run as root), then `mvn -B verify`.
# Extra arguments go to Maven, e.g. `scripts/test.sh -pl coordinator`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/docker-up.sh
export TESTCONTAINERS_RYUK_DISABLED=true
mvn -B verify "$@"
