#!/usr/bin/env bash
# Generates development TLS material in certs/dev/ (ignored by git; never use it in production):
#   ca.crt/ca.key                    a development CA
#   server.crt/server.key            server certificate for localhost / 127.0.0.1 / ::1
#   hospital-a.crt/.key              client certificate of an example hospital (HIS push)
#   province-platform.crt/.key       client certificate of an example provincial platform (pull)
#   fingerprints.txt                 SHA-256 fingerprints of the client certificates
#   audit-signing.key/.pub           the key that signs audit checkpoints (audit.checkpoints):
#                                    SM2 by default; KQ_AUDIT_KEY_TYPE=p256 makes an EC P-256 key
# Idempotent: existing files are kept unless --force is given. EC P-256 keys, SHA-256.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${KQ_CERT_DIR:-$here/dev}"
force=0
[ "${1:-}" = "--force" ] && force=1

# The audit signing key, on its own: a folder made before it existed gets one without new certificates.
if [ $force -eq 1 ] || [ ! -f "$out/audit-signing.key" ]; then
  command -v openssl >/dev/null || { echo "gen-dev-certs: openssl is not installed" >&2; exit 1; }
  mkdir -p "$out"
  chmod 700 "$out"
  case "${KQ_AUDIT_KEY_TYPE:-sm2}" in
    sm2)  openssl genpkey -algorithm SM2 -out "$out/audit-signing.key" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/audit-signing.key" 2>/dev/null ;;
    *)    echo "gen-dev-certs: KQ_AUDIT_KEY_TYPE must be sm2 or p256" >&2; exit 1 ;;
  esac
  chmod 600 "$out/audit-signing.key"
  openssl pkey -in "$out/audit-signing.key" -pubout -out "$out/audit-signing.pub"
fi

if [ $force -eq 0 ] && [ -f "$out/ca.crt" ] && [ -f "$out/server.crt" ] && \
   [ -f "$out/hospital-a.crt" ] && [ -f "$out/province-platform.crt" ]; then
  exit 0
fi

command -v openssl >/dev/null || { echo "gen-dev-certs: openssl is not installed" >&2; exit 1; }
mkdir -p "$out"
chmod 700 "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
days=825

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# CA
key "$out/ca.key"
openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -out "$out/ca.crt" \
  -subj "/C=CN/O=Kangqiao Development/CN=Kangqiao Dev CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# issue NAME SUBJECT EXTFILE-CONTENT
issue() {
  local name="$1" subject="$2" ext="$3"
  key "$out/$name.key"
  openssl req -new -key "$out/$name.key" -subj "$subject" -out "$tmp/$name.csr"
  printf '%s\n' "$ext" > "$tmp/$name.ext"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -days $days -sha256 \
    -extfile "$tmp/$name.ext" -out "$out/$name.crt" 2>/dev/null
}

issue server "/C=CN/O=Kangqiao Development/CN=localhost" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

issue hospital-a "/C=CN/O=Demo District Hospital/CN=hospital-a" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

issue province-platform "/C=CN/O=Demo Provincial Platform/CN=province-platform" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

{
  for c in hospital-a province-platform; do
    fp=$(openssl x509 -in "$out/$c.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':')
    echo "$c $fp"
  done
} > "$out/fingerprints.txt"

echo "gen-dev-certs: wrote development certificates to $out" >&2
