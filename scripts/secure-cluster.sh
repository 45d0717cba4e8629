#!/usr/bin/env bash
# Everything a new Corral cluster needs to run secured, made in one place: a CA, a certificate per coordinator, one
# for the workers and one for an admin, the tokens (an admin's, the workers', the coordinators' peer token), and one
# archive per host for scripts/install.sh --bundle, which installs it with the right owners and modes.
#
#   scripts/secure-cluster.sh --out DIR [--cluster-name NAME] [--workers NAME] [--admin NAME] SPEC...
#
#   SPEC  NAME=HOST[,SAN...]  a coordinator: HOST is the address its ports listen on and the others reach it at
#                             (raft HOST:7101, rpc HOST:7201, http HOST:7301); every SAN (addresses and DNS names
#                             clients use) goes into its certificate with HOST. Three or five of them.
#   --out DIR           where everything is written (created; must not hold an earlier cluster's files)
#   --cluster-name N    clusterName of every member (default corral)
#   --workers NAME      the workers' token and certificate name (default workers): worker ids are NAME.HOST
#   --admin NAME        the admin's token and certificate name (default admin)
#
# DIR then holds:
#   coordinator-NAME.tar   for each coordinator: its certificate and key, the CA certificate, the tokens file, the
#                          peer token and its coordinator.yaml (peers, TLS, tokens). Copy it to that host only.
#   worker.tar             for every worker host: the workers' certificate, key and token, and worker.yaml.
#   admin/                 for the operator: admin.crt, admin.key, admin.token, ca.crt and corral.env (the CLI's
#                          environment: source it, then `corral cluster status`).
#   pki/ca.key             signs everything: keep it offline (it is needed again only to add a member or renew).
# Every secret is mode 0600. Nothing is sent anywhere. docs/operations.md, "A secured cluster in three commands".
set -euo pipefail

die() { echo "secure-cluster.sh: $*" >&2; exit 2; }

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=""
cluster=corral
workers=workers
admin=admin
specs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out="$2"; shift 2 ;;
    --cluster-name) [ $# -ge 2 ] || die "--cluster-name needs a name"; cluster="$2"; shift 2 ;;
    --workers) [ $# -ge 2 ] || die "--workers needs a name"; workers="$2"; shift 2 ;;
    --admin) [ $# -ge 2 ] || die "--admin needs a name"; admin="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) specs+=("$1"); shift ;;
  esac
done

[ -n "$out" ] || die "--out DIR is required (see --help)"
[ ${#specs[@]} -eq 3 ] || [ ${#specs[@]} -eq 5 ] || die "give 3 or 5 coordinators as NAME=HOST[,SAN...], got ${#specs[@]}"
for n in "$cluster" "$workers" "$admin"; do
  [[ "$n" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || die "'$n' must be 1-64 letters, digits, '.', '_' or '-'"
done
[ "$workers" != "$admin" ] || die "--workers and --admin must differ"
if [ -e "$out/pki/ca.key" ] || [ -e "$out/tokens.yaml" ]; then
  die "$out holds an earlier cluster's files; give another --out (this never overwrites a CA or tokens)"
fi
if [ -n "${CORRAL_JAVA_CP:-}" ]; then
  token_cmd=(java -cp "$CORRAL_JAVA_CP" io.corral.coordinator.Main token)
elif [ -x "$here/bin/corral-coordinator" ]; then
  token_cmd=("$here/bin/corral-coordinator" token)   # in a release, beside bin/
else
  jar="$(ls "$here"/../coordinator/target/corral-coordinator-*.jar 2>/dev/null | grep -v -e sources -e original | head -1 || true)"
  [ -n "$jar" ] || die "no corral-coordinator found: run from a release, or build first (mvn -B -DskipTests package)"
  token_cmd=(java -jar "$jar" token)
fi

names=()
hosts=()
cert_specs=()
for spec in "${specs[@]}"; do
  [[ "$spec" == *=* ]] || die "'$spec' is not NAME=HOST[,SAN...]"
  name="${spec%%=*}"
  sans="${spec#*=}"
  host="${sans%%,*}"
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || die "'$spec': the name must be 1-64 letters, digits, '.', '_' or '-'"
  [ -n "$host" ] || die "'$spec': a coordinator needs the host it listens on after '='"
  case "$host" in 127.*|localhost|::1) die "'$spec': $host is loopback; give the address the other hosts reach it at" ;; esac
  for seen in "${names[@]+"${names[@]}"}"; do [ "$seen" != "$name" ] || die "'$name' is given twice"; done
  names+=("$name")
  hosts+=("$host")
  cert_specs+=("$spec")
done

umask 077
mkdir -p "$out"
"$here/gen-certs.sh" --out "$out/pki" --ca-name "$cluster Corral CA" "${cert_specs[@]}" "client:$workers" \
  "client:$admin" >/dev/null

# The tokens: each secret once, in a file of its own; the tokens file holds only their SHA-256.
mkdir -p "$out/secrets"
"${token_cmd[@]}" generate --name "$admin" --role admin --out "$out/secrets/$admin.token" > "$out/.admin-line"
"${token_cmd[@]}" generate --name "$workers" --role worker --out "$out/secrets/$workers.token" > "$out/.workers-line"
"${token_cmd[@]}" generate --name peer --role peer --out "$out/secrets/peer.token" > /dev/null
{
  echo "# The tokens every coordinator of $cluster accepts (SHA-256 only; made by secure-cluster.sh)."
  echo "tokens:"
  grep -h '^  - {name:' "$out/.admin-line" "$out/.workers-line"
} > "$out/tokens.yaml"
rm -f "$out/.admin-line" "$out/.workers-line"
[ "$(grep -c '^  - {name:' "$out/tokens.yaml")" -eq 2 ] || die "could not make the tokens (corral-coordinator token)"

peers=""
rpcs=()
for i in "${!names[@]}"; do
  h="${hosts[$i]}"
  [[ "$h" == *:* ]] && h="[$h]"
  peers+="  - {id: ${names[$i]}, raft: \"$h:7101\", rpc: \"$h:7201\", http: \"$h:7301\"}"$'\n'
  rpcs+=("$h:7201")
done

stage="$(mktemp -d "$out/.stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
for i in "${!names[@]}"; do
  n="${names[$i]}"
  h="${hosts[$i]}"
  [[ "$h" == *:* ]] && h="[$h]"
  d="$stage/$n/etc/corral"
  mkdir -p "$d/tls"
  cp "$out/pki/ca.crt" "$out/pki/$n.crt" "$out/pki/$n.key" "$d/tls/"
  cp "$out/tokens.yaml" "$d/tokens.yaml"
  cp "$out/secrets/peer.token" "$d/peer.token"
  cat > "$d/coordinator.yaml" <<EOF
# /etc/corral/coordinator.yaml for $n of cluster $cluster, made by secure-cluster.sh: TLS on every port, tokens.
nodeId: $n
clusterName: $cluster
dataDir: /var/lib/corral/coordinator
raftAddress: "$h:7101"
rpcAddress: "$h:7201"
httpAddress: "$h:7301"
peers:
$peers
tls:
  certChain: /etc/corral/tls/$n.crt
  privateKey: /etc/corral/tls/$n.key
  trustedCa: /etc/corral/tls/ca.crt
  clientAuth: none                # tokens decide who may do what; require to demand client certificates too
auth:
  tokensFile: /etc/corral/tokens.yaml
  peerTokenFile: /etc/corral/peer.token
EOF
  tar -C "$stage/$n" -cf "$out/coordinator-$n.tar" etc
done

d="$stage/worker/etc/corral"
mkdir -p "$d/tls"
cp "$out/pki/ca.crt" "$out/pki/$workers.crt" "$out/pki/$workers.key" "$d/tls/"
cp "$out/secrets/$workers.token" "$d/worker.token"
{
  echo "# /etc/corral/worker.yaml of cluster $cluster, made by secure-cluster.sh. install.sh sets the id: $workers.HOST."
  echo "id: $workers.@HOST@"
  echo "coordinators:"
  for r in "${rpcs[@]}"; do echo "  - \"$r\""; done
  echo "stateDir: /var/lib/corral/worker"
  echo "tls:"
  echo "  trustedCa: /etc/corral/tls/ca.crt"
  echo "  certChain: /etc/corral/tls/$workers.crt"
  echo "  privateKey: /etc/corral/tls/$workers.key"
  echo "tokenFile: /etc/corral/worker.token"
} > "$d/worker.yaml"
tar -C "$stage/worker" -cf "$out/worker.tar" etc

mkdir -p "$out/admin"
cp "$out/pki/ca.crt" "$out/pki/$admin.crt" "$out/pki/$admin.key" "$out/secrets/$admin.token" "$out/admin/"
admin_dir="$(cd "$out/admin" && pwd)"
{
  echo "# The corral CLI's environment for cluster $cluster: source this file."
  echo "export CORRAL_COORDINATORS=$(IFS=,; echo "${rpcs[*]}")"
  echo "export CORRAL_TLS_CA=$admin_dir/ca.crt"
  echo "export CORRAL_TLS_CERT=$admin_dir/$admin.crt CORRAL_TLS_KEY=$admin_dir/$admin.key"
  echo "export CORRAL_TOKEN_FILE=$admin_dir/$admin.token"
} > "$out/admin/corral.env"
chmod 0600 "$out"/*.tar "$out/admin"/*

echo "secure-cluster.sh: cluster $cluster in $out"
for n in "${names[@]}"; do echo "  coordinator-$n.tar  -> that host: install.sh --role coordinator --bundle coordinator-$n.tar"; done
echo "  worker.tar           -> each worker host: install.sh --role worker --bundle worker.tar"
echo "  admin/               -> you: source $out/admin/corral.env"
echo "  pki/ca.key           -> keep offline"
