#!/usr/bin/env bash
# Local 3-node clusters of etcd and RabbitMQ on 127.0.0.1, the peers of the side-by-side benchmark, from Debian 12's
# packages. The servers are this script's own processes, not the packages' system services.
#
#   scripts/bench-peers.sh install                     apt-get install etcd-server, etcd-client and rabbitmq-server
#                                                      when missing (root); stop and disable their system services
#   scripts/bench-peers.sh start etcd|rabbitmq         start a fresh cluster and wait until it answers; prints the line
#                                                      "etcd: 127.0.0.1:2379,..." or "rabbitmq: 127.0.0.1:5672,..."
#   scripts/bench-peers.sh pids etcd|rabbitmq          the servers' OS pids, one a line (CPU: /proc/PID/stat)
#   scripts/bench-peers.sh stop etcd|rabbitmq|all      SIGTERM, SIGKILL after 30 s, then delete the cluster's data
#   scripts/bench-peers.sh status                      each member: pid and whether it runs
#
# etcd (3.4): members e1..e3, client ports 2379 22379 32379, peer ports 2380 22380 32380, a static initial cluster,
#   fsync as by default.
# RabbitMQ (3.10): nodes rabbit-1..3@localhost, AMQP ports 5672 5673 5674, distribution ports 25672 25673 25674, no
#   plugins (no management), user guest/guest (loopback only). The nodes' Erlang cookie is DIR/rabbitmq/.erlang.cookie;
#   to run rabbitmqctl against them:
#     HOME=DIR/rabbitmq /usr/lib/rabbitmq/bin/rabbitmqctl -n rabbit-1@localhost cluster_status
# Data, configs, pid files and logs live in DIR: $CORRAL_PEERS_DIR (relative to the repository), default .corral/peers.
# CORRAL_PEERS_WAIT_S (default 120) bounds the wait for a cluster to come up.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${CORRAL_PEERS_DIR:-.corral/peers}"
[[ "$dir" == /* ]] || dir="$repo/$dir"
wait_s="${CORRAL_PEERS_WAIT_S:-120}"
stop_wait_s=30

etcd_dir="$dir/etcd"
etcd_client_ports=(2379 22379 32379)
etcd_peer_ports=(2380 22380 32380)
etcd_endpoints="127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379"

rmq_dir="$dir/rabbitmq"
rmq_bin=/usr/lib/rabbitmq/bin # the package's scripts in /usr/sbin switch to the user rabbitmq; these run as we are
rmq_amqp_ports=(5672 5673 5674)
rmq_dist_ports=(25672 25673 25674)
rmq_endpoints="127.0.0.1:5672,127.0.0.1:5673,127.0.0.1:5674"

die() { echo "bench-peers: $*" >&2; exit 1; }
say() { echo "bench-peers: $*"; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

# --- processes ---------------------------------------------------------------------------------------------------

# Whether process $1 runs (a zombie does not).
alive() {
  local stat
  stat="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" && [[ -n "$stat" && "${stat%% *}" != [ZX] ]]
}

# The pid in pid file $1 when that process runs and is the expected program ($2: etcd, beam.smp, ...), so a stale
# pid file (after a reboot) never makes us signal someone else's process.
live_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] && echo "$pid"
}

# Runs a server (the rest of the arguments) in its own session, detached from this shell and its terminal, its output
# in file $2, and waits until pid file $1 holds its pid: the shell that writes it execs the server, so the pid stays
# the server's even where setsid has to fork.
launch() {
  local pidfile="$1" out="$2" deadline=$((SECONDS + 10))
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$, $0 and "$@" are the inner shell's
  (setsid sh -c 'echo $$ >"$0"; exec nohup "$@"' "$pidfile" "$@" </dev/null >"$out" 2>&1 &)
  until [[ -s "$pidfile" ]]; do
    ((SECONDS < deadline)) || die "$1 did not start: no pid in $pidfile after 10 s"
    sleep 0.1
  done
}

# Whether the process in pid file $1 runs, whatever it is (while starting, before the server's exec, it is sh).
launched_alive() { alive "$(cat "$1" 2>/dev/null || echo none)"; }

# How many of a cluster's three members run.
count_live() {
  local prefix="$1" comm="$2" n count=0
  for n in 1 2 3; do
    if live_pid "$prefix$n/pid" "$comm" >/dev/null; then count=$((count + 1)); fi
  done
  echo "$count"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_ports() {
  local port
  for port in "$@"; do
    ! port_taken "$port" || die "port $port is in use; stop what listens there first (scripts/bench-peers.sh status)"
  done
}

# SIGTERM to every pid, wait until all are gone (at most $stop_wait_s), then SIGKILL the rest.
terminate() {
  local pid deadline=$((SECONDS + stop_wait_s))
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for pid in "$@"; do
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "$pid"; then
      say "pid $pid did not stop within ${stop_wait_s} s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# The last lines of a member's log, for an error message.
log_tail() { tail -n 15 "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

# --- install -----------------------------------------------------------------------------------------------------

# Without systemd (a container) a service runs only if its init script started it, which keeps a pid file. The pid
# file, not 'service ... status', decides: rabbitmq-server's status runs rabbitmqctl, which starts an epmd as a side
# effect, and a status by program name would find this script's own etcd.
stop_sysv_service() {
  local svc="$1" pidfile pid
  case "$svc" in
    etcd) pidfile=/run/etcd.pid ;;
    rabbitmq-server) pidfile=/run/rabbitmq/pid ;;
  esac
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid"; then
    say "stopping the system service $svc (pid $pid)"
    "/etc/init.d/$svc" stop >/dev/null 2>&1 || die "could not stop the system service $svc (/etc/init.d/$svc stop)"
    # The service's node started epmd on every interface; ours start their own on loopback. (epmd refuses while
    # another Erlang node is registered.)
    if [[ "$svc" == rabbitmq-server ]]; then epmd -kill >/dev/null 2>&1 || true; fi
  fi
}

install_peers() {
  local missing=() pkg svc
  for pkg in etcd-server etcd-client rabbitmq-server; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    [[ $(id -u) -eq 0 ]] || die "${missing[*]} missing; run 'install' as root (it uses apt-get)"
    say "installing ${missing[*]} (log in /tmp/corral-apt.log)"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/corral-apt.log 2>&1; then
      apt-get update >>/tmp/corral-apt.log 2>&1
      apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/corral-apt.log 2>&1 || {
        tail -20 /tmp/corral-apt.log >&2
        die "apt-get install ${missing[*]} failed"
      }
    fi
  else
    say "etcd-server, etcd-client and rabbitmq-server are installed"
  fi
  # The packages enable (and, where a policy allows, start) etcd.service and rabbitmq-server.service: they would hold
  # ports 2379 and 5672 and use CPU beside our clusters, so they are stopped and disabled.
  [[ $(id -u) -eq 0 ]] || die "stopping and disabling the system services etcd and rabbitmq-server needs root"
  for svc in etcd rabbitmq-server; do
    if [[ -d /run/systemd/system ]]; then
      systemctl disable --now "$svc.service" >/dev/null 2>&1 || die "systemctl disable --now $svc.service failed"
    else
      stop_sysv_service "$svc"
      update-rc.d "$svc" disable >/dev/null 2>&1 || die "update-rc.d $svc disable failed"
      # The links a later boot with systemd would follow.
      if command -v systemctl >/dev/null 2>&1; then systemctl disable "$svc.service" >/dev/null 2>&1 || true; fi
    fi
  done
  say "system services etcd and rabbitmq-server stopped and disabled"
  say "$(etcd --version | head -1), RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server)"
}

require_installed() {
  case "$1" in
    etcd) command -v etcd >/dev/null && command -v etcdctl >/dev/null ;;
    rabbitmq) [[ -x "$rmq_bin/rabbitmq-server" ]] ;;
  esac || die "$1 is not installed; run 'scripts/bench-peers.sh install' (as root) first"
}

# --- etcd --------------------------------------------------------------------------------------------------------

etcdctl3() { ETCDCTL_API=3 etcdctl --endpoints="$etcd_endpoints" --dial-timeout=2s --command-timeout=5s "$@"; }

# All three members healthy, and a key written through the first member reads back through each of them.
etcd_answers() {
  local port value
  etcdctl3 endpoint health >/dev/null 2>&1 || return 1
  etcdctl3 put corral-bench-peers-check ok >/dev/null 2>&1 || return 1
  for port in "${etcd_client_ports[@]}"; do
    value="$(ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$port" --dial-timeout=2s --command-timeout=5s \
      get --print-value-only corral-bench-peers-check 2>/dev/null)" || return 1
    [[ "$value" == ok ]] || return 1
  done
  etcdctl3 del corral-bench-peers-check >/dev/null 2>&1
}

start_etcd() {
  local running n d cluster="" deadline
  running="$(count_live "$etcd_dir/e" etcd)"
  if ((running == 3)); then
    say "etcd already runs"
    echo "etcd: $etcd_endpoints"
    return
  fi
  ((running == 0)) || die "etcd runs partly ($running of 3 members); run 'scripts/bench-peers.sh stop etcd' first"
  require_installed etcd
  require_free_ports "${etcd_client_ports[@]}" "${etcd_peer_ports[@]}"
  rm -rf "$etcd_dir" # what a crashed run left: every start is a fresh cluster
  for n in 1 2 3; do cluster+="${cluster:+,}e$n=http://127.0.0.1:${etcd_peer_ports[n - 1]}"; done
  for n in 1 2 3; do
    d="$etcd_dir/e$n"
    mkdir -p "$d"
    launch "$d/pid" "$d/log" etcd \
      --name "e$n" \
      --data-dir "$d/data" \
      --listen-client-urls "http://127.0.0.1:${etcd_client_ports[n - 1]}" \
      --advertise-client-urls "http://127.0.0.1:${etcd_client_ports[n - 1]}" \
      --listen-peer-urls "http://127.0.0.1:${etcd_peer_ports[n - 1]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer_ports[n - 1]}" \
      --initial-cluster "$cluster" \
      --initial-cluster-state new \
      --initial-cluster-token corral-bench-peers \
      --logger zap --log-outputs stderr
  done
  deadline=$((SECONDS + wait_s))
  until etcd_answers; do
    sleep 1
    for n in 1 2 3; do
      launched_alive "$etcd_dir/e$n/pid" || {
        log_tail "$etcd_dir/e$n/log"
        die "etcd member e$n exited while starting (log: $etcd_dir/e$n/log); 'stop etcd' cleans up"
      }
    done
    ((SECONDS < deadline)) || die "etcd did not answer within ${wait_s} s (logs: $etcd_dir/e*/log)"
  done
  echo "etcd: $etcd_endpoints"
}

# --- RabbitMQ ----------------------------------------------------------------------------------------------------

rmq_node() { echo "rabbit-$1@localhost"; }

# rabbitmqctl as we are (not as the user rabbitmq), with the run's cookie in HOME; its own distribution port and an
# epmd it may start listen on loopback.
rmqctl() {
  HOME="$rmq_dir" ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$rmq_bin/rabbitmqctl" "$@"
}

write_rmq_configs() {
  local n="$1" d="$rmq_dir/r$1"
  mkdir -p "$d"
  # Read by rabbitmq-server in place of /etc/rabbitmq/rabbitmq-env.conf (keys without the RABBITMQ_ prefix).
  cat >"$d/rabbitmq-env.conf" <<ENV
# Generated by scripts/bench-peers.sh: node $n of the benchmark's RabbitMQ cluster.
NODENAME=$(rmq_node "$n")
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=${rmq_amqp_ports[n - 1]}
DIST_PORT=${rmq_dist_ports[n - 1]}
MNESIA_BASE=$d/mnesia
LOG_BASE=$d
LOGS=$d/log
PID_FILE=$d/pid
CONFIG_FILE=$d/rabbitmq.conf
ADVANCED_CONFIG_FILE=$d/advanced.config
ENABLED_PLUGINS_FILE=$d/enabled_plugins
ENV
  cat >"$d/rabbitmq.conf" <<CONF
# Generated by scripts/bench-peers.sh: node $n of the benchmark's RabbitMQ cluster.
distribution.listener.interface = 127.0.0.1
loopback_users.guest = true
log.console = false
log.file.level = info
CONF
  # No plugins: the management plugin would cost CPU the other systems do not spend.
  echo '[].' >"$d/enabled_plugins"
}

# The number of running nodes cluster_status reports (0 when the node does not answer).
rmq_running_nodes() {
  rmqctl -n "$(rmq_node 1)" -q cluster_status --formatter json 2>/dev/null \
    | sed -n 's/.*"running_nodes":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | grep -c rabbit- || true
}

# Dies with the log's tail when a node's server exited since it was launched.
require_rmq_node_alive() {
  local d="$rmq_dir/r$1"
  launched_alive "$d/pid" || launched_alive "$d/launcher.pid" || {
    log_tail "$d/console"
    log_tail "$d/log"
    die "RabbitMQ node $(rmq_node "$1") exited while starting (logs: $d/console, $d/log); 'stop rabbitmq' cleans up"
  }
}

start_rabbitmq() {
  local running n d deadline left
  running="$(count_live "$rmq_dir/r" beam.smp)"
  if ((running == 3)); then
    say "rabbitmq already runs"
    echo "rabbitmq: $rmq_endpoints"
    return
  fi
  ((running == 0)) || die "rabbitmq runs partly ($running of 3 nodes); run 'scripts/bench-peers.sh stop rabbitmq' first"
  require_installed rabbitmq
  require_free_ports "${rmq_amqp_ports[@]}" "${rmq_dist_ports[@]}"
  rm -rf "$rmq_dir" # what a crashed run left: every start is a fresh cluster
  mkdir -p "$rmq_dir"
  # One cookie for the run, shared by the nodes and rabbitmqctl through HOME; root's ~/.erlang.cookie is not touched.
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$rmq_dir/.erlang.cookie")
  chmod 400 "$rmq_dir/.erlang.cookie"
  # The nodes start epmd (port 4369) when none runs; then 'stop' ends it again. Loopback only.
  epmd -names >/dev/null 2>&1 || touch "$rmq_dir/epmd-started-here"
  deadline=$((SECONDS + wait_s))
  for n in 1 2 3; do
    d="$rmq_dir/r$n"
    write_rmq_configs "$n"
    # The server writes its own pid file (PID_FILE): the beam.smp pid; launcher.pid is the rabbitmq-server shell
    # script around it, which turns a SIGTERM into a clean stop.
    launch "$d/launcher.pid" "$d/console" env HOME="$rmq_dir" RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" \
      ERL_EPMD_ADDRESS=127.0.0.1 "$rmq_bin/rabbitmq-server"
  done
  for n in 1 2 3; do
    d="$rmq_dir/r$n"
    until live_pid "$d/pid" beam.smp >/dev/null; do
      require_rmq_node_alive "$n"
      ((SECONDS < deadline)) || die "RabbitMQ node $(rmq_node "$n") wrote no pid file within ${wait_s} s (log: $d/console)"
      sleep 0.5
    done
    left=$((deadline - SECONDS))
    rmqctl -n "$(rmq_node "$n")" -q await_startup --timeout "$((left > 1 ? left : 1))" >/dev/null 2>&1 || {
      require_rmq_node_alive "$n"
      die "RabbitMQ node $(rmq_node "$n") did not start within ${wait_s} s (log: $d/log)"
    }
  done
  for n in 2 3; do
    if ! { rmqctl -n "$(rmq_node "$n")" -q stop_app >/dev/null &&
      rmqctl -n "$(rmq_node "$n")" -q join_cluster "$(rmq_node 1)" >/dev/null &&
      rmqctl -n "$(rmq_node "$n")" -q start_app >/dev/null; }; then
      die "$(rmq_node "$n") could not join $(rmq_node 1) (log: $rmq_dir/r$n/log)"
    fi
  done
  until [[ "$(rmq_running_nodes)" == 3 ]]; do
    ((SECONDS < deadline)) || die "cluster_status did not show 3 running nodes within ${wait_s} s"
    sleep 1
  done
  # guest may log in from loopback (its default); a benchmark connecting from 127.0.0.1 is let in.
  rmqctl -n "$(rmq_node 1)" -q authenticate_user guest guest >/dev/null 2>&1 \
    || die "the user guest/guest cannot log in to $(rmq_node 1)"
  for n in 1 2 3; do
    port_taken "${rmq_amqp_ports[n - 1]}" || die "$(rmq_node "$n") does not listen on 127.0.0.1:${rmq_amqp_ports[n - 1]}"
  done
  echo "rabbitmq: $rmq_endpoints"
}

# --- pids, stop, status ------------------------------------------------------------------------------------------

# $1: etcd or rabbitmq; sets prefix (member directory without its number) and comm (the server's program name).
cluster_layout() {
  case "$1" in
    etcd) prefix="$etcd_dir/e" comm=etcd ;;
    rabbitmq) prefix="$rmq_dir/r" comm=beam.smp ;;
    *) die "unknown cluster '$1' (etcd or rabbitmq)" ;;
  esac
}

print_pids() {
  local prefix comm n pids=()
  cluster_layout "$1"
  for n in 1 2 3; do
    pids+=("$(live_pid "$prefix$n/pid" "$comm")") || die "$1 member $n does not run (see scripts/bench-peers.sh status)"
  done
  printf '%s\n' "${pids[@]}"
}

stop_cluster() {
  local prefix comm n pid pids=() launchers=()
  cluster_layout "$1"
  for n in 1 2 3; do
    if pid="$(live_pid "$prefix$n/pid" "$comm")"; then pids+=("$pid"); fi
    # The rabbitmq-server shell around a node, which may not have written its pid file yet (stopped while starting).
    if pid="$(live_pid "$prefix$n/launcher.pid" rabbitmq-server)"; then launchers+=("$pid"); fi
  done
  if ((${#pids[@]})); then say "stopping $1 (pids ${pids[*]})"; fi
  terminate "${pids[@]}" "${launchers[@]}"
  if [[ "$1" == rabbitmq && -f "$rmq_dir/epmd-started-here" ]]; then
    epmd -kill >/dev/null 2>&1 || true # refuses while other Erlang nodes are registered
  fi
  rm -rf "${prefix%/*}"
  say "$1 stopped, its data deleted"
}

show_status() {
  local cluster prefix comm n pid
  for cluster in etcd rabbitmq; do
    cluster_layout "$cluster"
    for n in 1 2 3; do
      if pid="$(live_pid "$prefix$n/pid" "$comm")"; then
        echo "$cluster ${prefix##*/}$n: runs, pid $pid"
      elif [[ -d "$prefix$n" ]]; then
        echo "$cluster ${prefix##*/}$n: stopped (data in $prefix$n)"
      else
        echo "$cluster ${prefix##*/}$n: not started"
      fi
    done
  done
}

# --- main --------------------------------------------------------------------------------------------------------

cmd="${1:-}"
what="${2:-}"
case "$cmd" in
  -h | --help | help) usage ;;
  install) install_peers ;;
  start)
    case "$what" in
      etcd) start_etcd ;;
      rabbitmq) start_rabbitmq ;;
      *) die "start needs etcd or rabbitmq (see --help)" ;;
    esac
    ;;
  pids)
    [[ "$what" == etcd || "$what" == rabbitmq ]] || die "pids needs etcd or rabbitmq (see --help)"
    print_pids "$what"
    ;;
  stop)
    case "$what" in
      etcd | rabbitmq) stop_cluster "$what" ;;
      all) stop_cluster etcd && stop_cluster rabbitmq ;;
      *) die "stop needs etcd, rabbitmq or all (see --help)" ;;
    esac
    ;;
  status) show_status ;;
  "") usage >&2; exit 2 ;;
  *) die "unknown command '$cmd' (see --help)" ;;
esac
