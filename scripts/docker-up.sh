#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the fault-injection harness (module jepsen-tests, Testcontainers).
#
#   scripts/docker-up.sh          # idempotent; needs root when it has something to install or start
#
# 1. Installs Debian's docker.io and iptables when they are missing (apt-get), and systemd, util-linux (setpriv) and
#    openssl, which the systemd install test and the TLS tests use, and libfaketime, which the harness's clock nemeses
#    preload into the coordinators (the nodes run the host's /usr).
# 2. Starts dockerd in the background when no engine answers, with the vfs storage driver (or
#    $CORRAL_DOCKER_STORAGE_DRIVER); its log goes to /var/log/corral-dockerd.log.
# 3. Waits until `docker info` answers (at most 60 s).
# Nothing is pulled: the harness builds its node image locally (see docs/jepsen.md).
set -euo pipefail

log=/var/log/corral-dockerd.log

have() { command -v "$1" >/dev/null 2>&1; }
answers() { docker info >/dev/null 2>&1; }

missing=()
# The systemd install test boots the host's systemd in containers and runs setpriv; the TLS tests run openssl.
[[ -x /usr/lib/systemd/systemd ]] || missing+=(systemd)
have setpriv || missing+=(util-linux)
have openssl || missing+=(openssl)
compgen -G '/usr/lib/*/faketime/libfaketimeMT.so.1' >/dev/null || missing+=(libfaketime)
if answers && ((${#missing[@]} == 0)); then
  echo "docker-up: the Docker engine answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

have dockerd || missing+=(docker.io)
have iptables || missing+=(iptables)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "docker-up: ${missing[*]} missing; run this script as root (it installs them with apt-get)" >&2
    exit 1
  fi
  echo "docker-up: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/corral-apt.log 2>&1; then
    apt-get update >>/tmp/corral-apt.log 2>&1
    apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/corral-apt.log 2>&1 || {
      tail -20 /tmp/corral-apt.log >&2
      echo "docker-up: apt-get install ${missing[*]} failed" >&2
      exit 1
    }
  fi
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "docker-up: no Docker engine answers and starting dockerd needs root" >&2
    exit 1
  fi
  # vfs works everywhere (overlay2 fails on a root file system that is itself an overlay) and costs nothing here:
  # the harness's node image is a few empty directories, the JDK and jars are bind-mounted.
  driver="${CORRAL_DOCKER_STORAGE_DRIVER:-vfs}"
  echo "docker-up: starting dockerd (storage driver $driver), log in $log"
  # The engine outlives this script: it must not inherit descriptors beyond 0-2 (a lock file held by whoever ran us,
  # e.g. `flock LOCK scripts/test.sh`, would otherwise stay held for as long as dockerd runs).
  inherited=()
  for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    ((fd > 2)) && inherited+=("$fd")
  done
  (
    for fd in "${inherited[@]}"; do eval "exec $fd>&-"; done
    exec setsid nohup dockerd --storage-driver="$driver" </dev/null >"$log" 2>&1
  ) &
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "docker-up: the Docker engine answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  sleep 1
done
tail -20 "$log" >&2 || true
echo "docker-up: dockerd did not answer within 60 s" >&2
exit 1
