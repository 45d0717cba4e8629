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
  # Build when a jar is missing or any source or pom is newer than the coordinator's jar: a run must never test old
  # jars after a pull or a checkout (git gives the files it changes the time of the change).
  local jar=coordinator/target/corral-coordinator.jar
  if [[ ! -f "$jar" || ! -f worker-agent/target/corral-worker-agent.jar \
        || ! -d jepsen-tests/target/classes/io/corral/jepsen || ! -f "$cp_file" || jepsen-tests/pom.xml -nt "$cp_file" \
        || -n "$(find . \( -path ./.git -o -name target -o -name node_modules \) -prune \
                  -o \( -path '*/src/main/*' -o -name pom.xml \) -type f -newer "$jar" -print -quit)" ]]; then
    echo "jepsen: building (mvn -B -q -DskipTests package)"
    mvn -B -q -DskipTests package dependency:build-classpath \
      -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime
    touch "$jar" # built from these sources, even where Maven found the jar up to date
  fi
  if [[ "$need_docker" == yes ]]; then
    scripts/docker-up.sh
  fi
  export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_CHECKS_DISABLE=true
  exec java -Djava.awt.headless=true -cp "jepsen-tests/target/classes:$(cat "$cp_file")" "$main" --root "$root" "$@"
}
