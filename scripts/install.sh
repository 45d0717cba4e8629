#!/usr/bin/env bash
# Installs (or upgrades in place) a Corral release on a Debian host, as root.
#
#   scripts/install.sh [options] [dist/corral-VERSION.tar.gz]
#   ./install.sh [options]                     # from an unpacked release: installs the release it sits in
#
# Options:
#   --role coordinator|worker|all   which units to install and enable (default: all)
#   --coordinator-config FILE       install FILE as /etc/corral/coordinator.yaml (replaces an existing one)
#   --worker-config FILE            install FILE as /etc/corral/worker.yaml (replaces an existing one)
#   --bundle FILE                   install a host's files made by scripts/secure-cluster.sh (coordinator-NAME.tar or
#                                   worker.tar): its configuration (replaces an existing one, kept as .previous),
#                                   certificates, key and tokens, owned and moded for the corral user
#   --start                         start (or, on an upgrade, restart) the units of --role afterwards
#   --prefix DIR                    install root (default /opt/corral); configs stay in /etc/corral
#   --keep N                        releases kept under PREFIX/releases, the current one included (default 2)
#
# What it does (every step idempotent; re-running with a new release is the upgrade):
#   - a system user and group `corral` (no login, home /var/lib/corral);
#   - PREFIX/releases/VERSION/{bin,lib,config,systemd,docs}, then PREFIX/current -> releases/VERSION, switched
#     atomically; /usr/local/bin/corral -> PREFIX/current/bin/corral;
#   - /etc/corral/{coordinator,worker}.yaml from the release's examples when absent (never overwritten without
#     --*-config), /etc/corral/*.env for JVM options when absent;
#   - /var/lib/corral (data; never touched again), owned by corral;
#   - /etc/systemd/system/corral-{coordinator,worker}.service (replaced: customise with drop-ins), daemon-reload, enable.
# Running daemons keep running the release they started with until they are restarted: restart coordinators one at a
# time, each after `corral cluster wait-healthy --quorum-plus-one` (docs/operations.md, "Rolling upgrade").
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

role=all
prefix=/opt/corral
etc=/etc/corral
data=/var/lib/corral
units=/etc/systemd/system
keep=2
start=false
coordinator_config=
worker_config=
bundle=
archive=

while (($#)); do
  case "$1" in
    --role) role="${2:?--role needs coordinator, worker or all}"; shift 2 ;;
    --coordinator-config) coordinator_config="${2:?--coordinator-config needs a file}"; shift 2 ;;
    --worker-config) worker_config="${2:?--worker-config needs a file}"; shift 2 ;;
    --bundle) bundle="${2:?--bundle needs a file made by secure-cluster.sh}"; shift 2 ;;
    --start) start=true; shift ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z $archive ]] || die "one release archive at a time (got $archive and $1)"; archive="$1"; shift ;;
  esac
done

case "$role" in coordinator|worker|all) ;; *) die "--role must be coordinator, worker or all, not '$role'" ;; esac
[[ $keep =~ ^[1-9][0-9]*$ ]] || die "--keep must be a positive number, not '$keep'"
[[ $prefix == /* ]] || die "--prefix must be an absolute path, not '$prefix'"
for f in "$coordinator_config" "$worker_config" "$bundle"; do
  [[ -z $f || -f $f ]] || die "no such file: $f"
done
bundle_role=
if [[ -n $bundle ]]; then
  [[ -z $coordinator_config && -z $worker_config ]] || die "--bundle brings its own configuration: leave out --*-config"
  listing="$(tar -tf "$bundle" 2>/dev/null)" || die "$bundle is not a tar archive made by secure-cluster.sh"
  if grep -qx 'etc/corral/coordinator.yaml' <<< "$listing"; then bundle_role=coordinator
  elif grep -qx 'etc/corral/worker.yaml' <<< "$listing"; then bundle_role=worker
  else die "$bundle holds neither etc/corral/coordinator.yaml nor etc/corral/worker.yaml: not a secure-cluster.sh bundle"
  fi
  if grep -v -e '^etc/corral/$' -e '^etc/corral/[A-Za-z0-9._-]*$' -e '^etc/corral/tls/$' -e '^etc/corral/tls/[A-Za-z0-9._-]*$' \
      -e '^etc/$' <<< "$listing" | grep -q .; then
    die "$bundle holds files outside etc/corral/: not a secure-cluster.sh bundle"
  fi
  if tar -tvf "$bundle" | grep -q -v '^[-d]'; then
    die "$bundle holds links or special files: not a secure-cluster.sh bundle"
  fi
  [[ $role == "$bundle_role" ]] || die "$bundle is a $bundle_role's bundle; give --role $bundle_role"
fi
[[ $(id -u) -eq 0 ]] || die "run as root (it creates a user, writes $prefix, $etc and $units)"

roles=()
[[ $role == coordinator || $role == all ]] && roles+=(coordinator)
[[ $role == worker || $role == all ]] && roles+=(worker)

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. The release: an archive given or found in dist/, or the unpacked release this script sits in.
if [[ -z $archive ]]; then
  if [[ -d $here/lib/coordinator && -d $here/systemd ]]; then
    release_src="$here"
  else
    shopt -s nullglob
    found=("$here"/../dist/corral-*.tar.gz)
    shopt -u nullglob
    ((${#found[@]} == 1)) || die "give the release archive (found ${#found[@]} in $here/../dist; build one with mvn -B -DskipTests package)"
    archive="${found[0]}"
  fi
fi
if [[ -n $archive ]]; then
  [[ -f $archive ]] || die "no such archive: $archive"
  tar -xzf "$archive" -C "$work" || die "$archive is not a readable .tar.gz"
  shopt -s nullglob
  top=("$work"/corral-*/)
  shopt -u nullglob
  ((${#top[@]} == 1)) || die "$archive does not hold one corral-VERSION/ directory"
  release_src="${top[0]%/}"
fi
for d in bin lib/coordinator lib/worker lib/cli config systemd; do
  [[ -e $release_src/$d ]] || die "$release_src is not a Corral release: $d/ is missing"
done
version="$(basename "$release_src")"
version="${version#corral-}"
[[ $version =~ ^[A-Za-z0-9._-]+$ ]] || version="unpacked"

# 2. Java 17 or newer.
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$java_bin" >/dev/null 2>&1; then
  die "no java found; install Java 17 or newer first (apt-get install -y openjdk-17-jre-headless)"
fi
java_major="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ ${java_major%%.*} -ge 17 ]] 2>/dev/null || die "Java 17 or newer is needed, $java_bin is ${java_major:-unknown}"

# 3. The user.
if ! getent group corral >/dev/null; then
  groupadd --system corral
fi
if ! getent passwd corral >/dev/null; then
  useradd --system --gid corral --home-dir "$data" --no-create-home --shell /usr/sbin/nologin \
    --comment "Corral job coordinator" corral
  say "created system user corral"
fi

# 4. The release under PREFIX/releases/VERSION, swapped in whole: a running daemon keeps its open jars.
mkdir -p "$prefix/releases"
staged="$prefix/releases/.staged-$version-$$"
rm -rf "$staged"
cp -a "$release_src" "$staged"
chown -R root:root "$staged"
chmod -R u=rwX,go=rX "$staged"
chmod 0755 "$staged"/bin/*
previous="$(readlink "$prefix/current" 2>/dev/null || true)"
if [[ -e $prefix/releases/$version ]]; then
  # The same version again (a rebuilt snapshot): move the old tree aside first; open files stay valid.
  mv "$prefix/releases/$version" "$prefix/releases/.replaced-$version-$$"
fi
mv "$staged" "$prefix/releases/$version"
ln -sfn "releases/$version" "$prefix/.current-$$"
mv -T "$prefix/.current-$$" "$prefix/current"
rm -rf "$prefix/releases/.replaced-$version-$$"
mkdir -p /usr/local/bin
ln -sfn "$prefix/current/bin/corral" /usr/local/bin/corral
if [[ -n $previous && $previous != "releases/$version" ]]; then
  say "upgraded $prefix/current from ${previous#releases/} to $version"
else
  say "installed $version in $prefix/releases/$version"
fi
# Older releases beyond --keep (newest first by install time), never the current one.
mapfile -t old < <(cd "$prefix/releases" && ls -1t | grep -v '^\.' | grep -vx "$version" || true)
for ((i = keep - 1; i < ${#old[@]}; i++)); do
  rm -rf "${prefix:?}/releases/${old[i]:?}"
  say "removed old release ${old[i]}"
done

# 5. Configuration: never overwritten unless a file is given.
install -d -m 0750 -o root -g corral "$etc"
install_config() { # name given_file
  local target="$etc/$1.yaml"
  if [[ -n $2 ]]; then
    install -m 0640 -o root -g corral "$2" "$target"
    say "installed $2 as $target"
  elif [[ ! -e $target ]]; then
    install -m 0640 -o root -g corral "$release_src/config/$1.yaml" "$target"
    say "created $target from the example: edit it before starting corral-$1"
  fi
  if [[ ! -e $etc/$1.env ]]; then
    local upper="${1^^}"
    printf '%s\n' "# Environment of corral-$1 (read by its unit). Examples:" \
      "# CORRAL_${upper}_JAVA_OPTS=-Xmx4g" \
      "# CORRAL_LOG_FORMAT=json" > "$etc/$1.env"
    chmod 0640 "$etc/$1.env"
    chgrp corral "$etc/$1.env"
  fi
}
# A secure-cluster.sh bundle: its configuration replaces the one in place (kept as .previous), its secrets are the
# corral user's alone (the daemons refuse, or warn about, secrets others can read), certificates are public.
install_bundle() {
  local from="$work/bundle/etc/corral" f name
  mkdir -p "$work/bundle"
  tar -xf "$bundle" -C "$work/bundle" --no-same-owner --no-same-permissions
  install -d -m 0750 -o root -g corral "$etc/tls"
  for f in "$from"/tls/*; do
    name="$(basename "$f")"
    if [[ $name == *.key ]]; then
      install -m 0600 -o corral -g corral "$f" "$etc/tls/$name"
    else
      install -m 0644 -o root -g root "$f" "$etc/tls/$name"
    fi
  done
  for f in "$from"/*.token; do
    if [[ -e $f ]]; then
      install -m 0600 -o corral -g corral "$f" "$etc/$(basename "$f")"
    fi
  done
  if [[ -e $from/tokens.yaml ]]; then
    install -m 0640 -o root -g corral "$from/tokens.yaml" "$etc/tokens.yaml"
  fi
  local conf="$bundle_role.yaml"
  if [[ $bundle_role == worker ]]; then
    sed -i "s/@HOST@/$(hostname -s | tr -c 'A-Za-z0-9._\n-' '-')/" "$from/$conf"
  fi
  if [[ -e $etc/$conf ]] && ! cmp -s "$from/$conf" "$etc/$conf"; then
    cp -p "$etc/$conf" "$etc/$conf.previous"
    say "kept the earlier $etc/$conf as $etc/$conf.previous"
  fi
  install -m 0640 -o root -g corral "$from/$conf" "$etc/$conf"
  say "installed the secured $bundle_role configuration, certificates and tokens of $bundle in $etc"
}
for r in "${roles[@]}"; do
  if [[ $r == "$bundle_role" ]]; then
    install_bundle
  fi
  case "$r" in
    coordinator) install_config coordinator "$coordinator_config" ;;
    worker) install_config worker "$worker_config" ;;
  esac
done

# 6. Data.
install -d -m 0750 -o corral -g corral "$data"

# 7. Units.
systemd_running=false
[[ -d /run/systemd/system ]] && systemd_running=true
for r in "${roles[@]}"; do
  install -m 0644 "$release_src/systemd/corral-$r.service" "$units/corral-$r.service"
  if [[ $prefix != /opt/corral ]]; then
    sed -i "s#/opt/corral/#$prefix/#g" "$units/corral-$r.service"
  fi
done
if $systemd_running; then
  systemctl daemon-reload
  for r in "${roles[@]}"; do
    systemctl enable --quiet "corral-$r.service"
    if $start; then
      if systemctl is-active --quiet "corral-$r.service"; then
        say "restarting corral-$r"
        systemctl restart "corral-$r.service"
      else
        say "starting corral-$r"
        systemctl start --no-block "corral-$r.service"
      fi
    elif systemctl is-active --quiet "corral-$r.service"; then
      say "corral-$r is running the previous release until it is restarted (systemctl restart corral-$r)"
    fi
  done
  say "units enabled: ${roles[*]/#/corral-}"
else
  say "systemd is not running here: units copied to $units but not enabled"
fi
say "done: $prefix/current -> releases/$version"
