#!/usr/bin/env bash
# A local certificate authority and the certificates of a Corral cluster, made with openssl.
#
#   scripts/gen-certs.sh --out DIR [--ca-name NAME] [--days N] [--ca-days N] [--renew] SPEC...
#
#   SPEC  NAME=SAN[,SAN...]  a coordinator: a certificate for TLS servers and clients (extended key usage serverAuth
#                            and clientAuth) whose subject alternative names are the SANs: an IPv4 or IPv6 address
#                            becomes an IP SAN, anything else a DNS SAN. Give every address and name that clients,
#                            workers and the other coordinators use to reach it (its rpc, raft and http hosts).
#         client:NAME        a client (the corral CLI, a worker, Prometheus): a certificate for TLS clients only
#                            (clientAuth), for coordinators that require client certificates (tls.clientAuth).
#
#   --out DIR       where everything is written (created if missing): ca.crt and ca.key, then NAME.crt and NAME.key
#                   for each SPEC. Keys are PKCS#8 PEM ("BEGIN PRIVATE KEY", EC P-256), mode 0600; certificates 0644.
#   --ca-name NAME  the CA's common name (default "Corral CA"); only used when the CA is created
#   --days N        validity of the certificates made now (default 825 days)
#   --ca-days N     validity of a new CA (default 3650 days)
#   --renew         make new keys and certificates for the SPECs even if they exist (rotation), with the same CA
#
# Idempotent: an existing CA (ca.crt and ca.key in DIR) is reused, never replaced, and an existing NAME.crt/NAME.key
# is kept unless --renew is given, so running the same command twice changes nothing. ca.key signs everything: keep
# it off the coordinators (they need only ca.crt, their own NAME.crt and NAME.key). Example:
#
#   scripts/gen-certs.sh --out /etc/corral/tls --ca-name "ACME Corral CA" \
#       n1=10.0.0.1,corral-1.internal n2=10.0.0.2,corral-2.internal n3=10.0.0.3,corral-3.internal \
#       client:admin client:worker
#
# docs/operations.md, "TLS and tokens", walks through the whole set-up and rotation.
set -euo pipefail

die() { echo "gen-certs.sh: $*" >&2; exit 2; }

out=""
ca_name="Corral CA"
days=825
ca_days=3650
renew=false
specs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out="$2"; shift 2 ;;
    --ca-name) [ $# -ge 2 ] || die "--ca-name needs a name"; ca_name="$2"; shift 2 ;;
    --days) [ $# -ge 2 ] || die "--days needs a number"; days="$2"; shift 2 ;;
    --ca-days) [ $# -ge 2 ] || die "--ca-days needs a number"; ca_days="$2"; shift 2 ;;
    --renew) renew=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) specs+=("$1"); shift ;;
  esac
done

[ -n "$out" ] || die "--out DIR is required (see --help)"
[[ "$days" =~ ^[1-9][0-9]{0,4}$ ]] || die "--days must be a whole number of days from 1 to 99999, got '$days'"
[[ "$ca_days" =~ ^[1-9][0-9]{0,4}$ ]] || die "--ca-days must be a whole number of days from 1 to 99999, got '$ca_days'"
[[ -n "$ca_name" && "$ca_name" != */* ]] || die "--ca-name must be non-empty and without '/'"
command -v openssl >/dev/null || die "openssl is not installed"

# Check every SPEC before writing anything, so a typo in the last one leaves nothing half made.
names=()
for spec in "${specs[@]}"; do
  if [[ "$spec" == client:* ]]; then
    name="${spec#client:}"
  elif [[ "$spec" == *=* ]]; then
    name="${spec%%=*}"
    sans="${spec#*=}"
    [ -n "$sans" ] || die "'$spec': a coordinator needs at least one address or DNS name after '='"
    IFS=',' read -r -a list <<< "$sans"
    for san in "${list[@]}"; do
      [[ "$san" =~ ^[A-Za-z0-9.:*-]+$ ]] || die "'$spec': '$san' is not an IP address or DNS name"
    done
  else
    die "'$spec' is neither NAME=SAN[,SAN...] nor client:NAME"
  fi
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || die "'$spec': the name must be 1-64 letters, digits, '.', '_' or '-'"
  [ "$name" != "ca" ] || die "'$spec': 'ca' is the CA's own file name"
  for seen in "${names[@]+"${names[@]}"}"; do
    [ "$seen" != "$name" ] || die "'$name' is given twice"
  done
  names+=("$name")
done

mkdir -p "$out"
umask 077
work="$(mktemp -d "$out/.gen-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

ca_crt="$out/ca.crt"
ca_key="$out/ca.key"

# openssl, quiet when it succeeds; when it fails, which step and what openssl said (never a silent exit).
ossl() {
  local step="$1"
  shift
  if ! openssl "$@" 2> "$work/openssl.err" > "$work/openssl.out"; then
    die "$step failed: $(tr '\n' ' ' < "$work/openssl.err")"
  fi
}

# The requests' own configuration, so nothing depends on the system's openssl.cnf (a host may have none).
printf '[req]\ndistinguished_name = dn\n[dn]\n' > "$work/req.cnf"

# A new EC P-256 key in PKCS#8 PEM (what `openssl genpkey` writes), which Corral and the JDK read as they are.
new_key() {
  ossl "making a key" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}

if [ -f "$ca_crt" ] && [ -f "$ca_key" ]; then
  echo "ca: kept $ca_crt ($(openssl x509 -in "$ca_crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'))"
elif [ -f "$ca_crt" ] || [ -f "$ca_key" ]; then
  die "$out holds only one of ca.crt and ca.key; restore the other or remove both to make a new CA"
else
  new_key "$work/ca.key"
  cat > "$work/ca.cnf" <<EOF
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  ossl "making the CA certificate" req -new -x509 -key "$work/ca.key" -subj "/CN=$ca_name" -days "$ca_days" \
    -sha256 -set_serial "0x$(openssl rand -hex 16)" -config "$work/ca.cnf" -extensions ca_ext -out "$work/ca.crt"
  chmod 0644 "$work/ca.crt"
  chmod 0600 "$work/ca.key"
  mv "$work/ca.key" "$ca_key"
  mv "$work/ca.crt" "$ca_crt"
  echo "ca: made $ca_crt (CN=$ca_name, $ca_days days) and $ca_key"
fi

# Signs NAME's new key with the CA. $2: the extended key usage, $3: the SAN list or "" (a client).
issue() {
  local name="$1" usage="$2" sans="$3" ext="$work/$1.ext" san_line="" kind
  if [ -n "$sans" ]; then
    local entries=() san
    IFS=',' read -r -a list <<< "$sans"
    for san in "${list[@]}"; do
      if [[ "$san" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "$san" == *:* ]]; then
        entries+=("IP:$san")
      else
        entries+=("DNS:$san")
      fi
    done
    san_line="subjectAltName = $(IFS=','; echo "${entries[*]}")"
  fi
  cat > "$ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = $usage
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
$san_line
EOF
  new_key "$work/$name.key"
  ossl "the request of $name" req -new -key "$work/$name.key" -subj "/CN=$name" -config "$work/req.cnf" \
    -out "$work/$name.csr"
  ossl "signing $name's certificate" x509 -req -in "$work/$name.csr" -CA "$ca_crt" -CAkey "$ca_key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 -extfile "$ext" -out "$work/$name.crt"
  chmod 0644 "$work/$name.crt"
  chmod 0600 "$work/$name.key"
  # Key first, then certificate: a reader never sees a new certificate next to the old key for long.
  mv "$work/$name.key" "$out/$name.key"
  mv "$work/$name.crt" "$out/$name.crt"
  kind=$([ -n "$sans" ] && echo "coordinator, $sans" || echo "client")
  echo "$name: made $out/$name.crt ($kind, $days days) and $out/$name.key"
}

for spec in "${specs[@]}"; do
  if [[ "$spec" == client:* ]]; then
    name="${spec#client:}"; usage="clientAuth"; sans=""
  else
    name="${spec%%=*}"; usage="serverAuth, clientAuth"; sans="${spec#*=}"
  fi
  if [ "$renew" = false ] && [ -f "$out/$name.crt" ] && [ -f "$out/$name.key" ]; then
    echo "$name: kept $out/$name.crt (--renew makes a new one)"
    continue
  fi
  issue "$name" "$usage" "$sans"
done
