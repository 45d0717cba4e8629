# Shared by scripts/jepsen.sh and scripts/jepsen-matrix.sh (sourced, not run): builds what the harness needs and
# starts it.
#
#   jepsen_run MAIN_CLASS ARGS...   # builds the jars and the harness's class path when missing, makes sure a Docker
#                                   # engine answers (unless --help or --dry-run is asked), then execs MAIN_CLASS
#
# The harness's class path is written by the same reactor build that packages the sibling modules: a build of
# jepsen-tests alone cannot resolve them unless they were installed into ~/.m2, which a fresh clone has not done.

jepsen_run() {
  local main="$1"
  shift
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root"
  local need_docker=yes
  case " $* " in
    *" --help "*|*" -h "*|*" --dry-run "*) need_docker=no ;;
  esac
  local cp_file=jepsen-tests/target/runtime.classpath
  if [[ ! -f coordinator/target/corral-coordinator.jar || ! -f worker-agent/target/corral-worker-agent.jar \
        || ! -d jepsen-tests/target/classes/io/corral/jepsen || ! -f "$cp_file" || jepsen-tests/pom.xml -nt "$cp_file" ]]; then
    echo "jepsen: building (mvn -B -q -DskipTests package)"
    mvn -B -q -DskipTests package dependency:build-classpath \
      -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime
  fi
  if [[ "$need_docker" == yes ]]; then
    scripts/docker-up.sh
  fi
  export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_CHECKS_DISABLE=true
  exec java -Djava.awt.headless=true -cp "jepsen-tests/target/classes:$(cat "$cp_file")" "$main" --root "$root" "$@"
}
