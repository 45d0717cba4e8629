#!/usr/bin/env bash
# The long-run matrix of the fault-injection harness (docs/jepsen.md, "The long-run matrix"): each nemesis group
# (partition, crash, pauses, net, membership, clock, disk) × the queue and lock workloads × 3 and 5 coordinators, one
# run of --time seconds each (5 minutes by default; partitions with 3 seeds), one after the other.
#
#   scripts/jepsen-matrix.sh [--time SECONDS] [--groups LIST] [--workloads LIST] [--nodes LIST] [--fresh] [--dry-run]
#   scripts/jepsen-matrix.sh --help
#
# Resumable: progress is kept in jepsen-tests/target/jepsen-matrix/state.tsv, and a second invocation on the same
# commit with the same --time runs only the cells not done yet, with the same seeds. Prints one line per run, and
# after each run writes the table into docs/jepsen.md (between its jepsen-matrix markers) with the commit it ran on.
# Exit 0 when every run is VALID, 1 otherwise, 2 on a usage error. Long runs are for before a release, not for CI:
# the whole matrix takes about 4 hours on 2 cores.
set -euo pipefail
# shellcheck source=scripts/jepsen-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/jepsen-lib.sh"
jepsen_run io.corral.jepsen.matrix.MatrixMain "$@"
