#!/usr/bin/env bash
# Generates development TLS material in certs/dev/ (ignored by git; never use it in production):
#   ca.crt/ca.key                    a development CA
#   server.crt/server.key            server certificate for localhost / 127.0.0.1 / ::1
#   hospital-a.crt/.key              client certificate of an example hospital (HIS push)
#   province-platform.crt/.key       client certificate of an example provincial platform (pull)
#   fingerprints.txt                 SHA-256 fingerprints of the client certificates
# and, for testing how client certificates are refused (tests/e2e/test_mtls_matrix.py):
#   unmapped.crt/.key                valid client certificate from the dev CA that no principal maps
#   expired-client.crt/.key          client certificate from the dev CA that expired in 2020
#   revoked-client.crt/.key          client certificate from the dev CA, revoked in crl.pem
#   self-signed-client.crt/.key      self-signed client certificate (no CA at all)
#   untrusted-ca.crt                 a second CA that the gateway does not trust (its key is discarded)
#   untrusted-client.crt/.key        client certificate from that second CA
#   crl.pem                          the dev CA's CRL, revoking revoked-client; valid for ten years
#   crl-expired.pem                  a dev CA CRL whose nextUpdate passed in 2020 (fail-closed tests)
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

have_all() {
  local f
  for f in "$@"; do [ -f "$out/$f" ] || return 1; done
}
core_files=(ca.crt server.crt hospital-a.crt province-platform.crt)
matrix_files=(unmapped.crt expired-client.crt revoked-client.crt self-signed-client.crt untrusted-ca.crt
              untrusted-client.crt crl.pem crl-expired.pem)
if [ $force -eq 0 ] && have_all "${core_files[@]}" && have_all "${matrix_files[@]}"; then
  exit 0
fi

command -v openssl >/dev/null || { echo "gen-dev-certs: openssl is not installed" >&2; exit 1; }
mkdir -p "$out"
chmod 700 "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
days=825

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# issue NAME SUBJECT EXTFILE-CONTENT: a certificate from the dev CA
issue() {
  local name="$1" subject="$2" ext="$3"
  key "$out/$name.key"
  openssl req -new -key "$out/$name.key" -subj "$subject" -out "$tmp/$name.csr"
  printf '%s\n' "$ext" > "$tmp/$name.ext"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -days $days -sha256 \
    -extfile "$tmp/$name.ext" -out "$out/$name.crt" 2>/dev/null
}

client_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

# A folder made before the refusal matrix existed keeps its CA and certificates (configs and
# principals may name their fingerprints) and only gets the files it lacks; a new CA makes the
# matrix again, since every file in it depends on the CA.
new_ca=0
if [ $force -eq 1 ] || ! have_all "${core_files[@]}"; then
  new_ca=1
  key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -out "$out/ca.crt" \
    -subj "/C=CN/O=Kangqiao Development/CN=Kangqiao Dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

  issue server "/C=CN/O=Kangqiao Development/CN=localhost" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
  issue hospital-a "/C=CN/O=Demo District Hospital/CN=hospital-a" "$client_ext"
  issue province-platform "/C=CN/O=Demo Provincial Platform/CN=province-platform" "$client_ext"

  {
    for c in hospital-a province-platform; do
      fp=$(openssl x509 -in "$out/$c.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':')
      echo "$c $fp"
    done
  } > "$out/fingerprints.txt"
fi

if [ $new_ca -eq 1 ] || ! have_all "${matrix_files[@]}"; then
  issue unmapped "/C=CN/O=Demo Unknown Clinic/CN=unmapped" "$client_ext"

  # OpenSSL 3.0's `x509 -req` cannot date a certificate in the past, and a CRL needs a CA database
  # that records what was issued and revoked: `openssl ca` with a throwaway database does both.
  # Random serials: a CRL names certificates by serial, and must never hit one issued above.
  db="$tmp/ca-db"
  mkdir -p "$db/issued"
  : > "$db/index.txt"
  openssl rand -hex 16 > "$db/serial"
  echo 1000 > "$db/crlnumber"
  printf '%s\n' "$client_ext" > "$tmp/client.ext"
  cat > "$db/ca.cnf" <<CNF
[ca]
default_ca = dev
[dev]
database = $db/index.txt
serial = $db/serial
crlnumber = $db/crlnumber
new_certs_dir = $db/issued
certificate = $out/ca.crt
private_key = $out/ca.key
default_md = sha256
default_days = $days
default_crl_days = 3650
policy = anything
unique_subject = no
copy_extensions = none
[anything]
countryName = optional
organizationName = optional
commonName = supplied
CNF
  # ca_issue NAME SUBJECT [openssl ca options]
  ca_issue() {
    local name="$1" subject="$2"
    shift 2
    key "$out/$name.key"
    openssl req -new -key "$out/$name.key" -subj "$subject" -out "$tmp/$name.csr"
    openssl ca -batch -notext -config "$db/ca.cnf" -in "$tmp/$name.csr" -out "$out/$name.crt" \
      -extfile "$tmp/client.ext" "$@" 2>/dev/null
  }
  ca_issue expired-client "/C=CN/O=Demo District Hospital/CN=expired-client" \
    -startdate 20200101000000Z -enddate 20200201000000Z
  ca_issue revoked-client "/C=CN/O=Demo District Hospital/CN=revoked-client"
  openssl ca -config "$db/ca.cnf" -revoke "$out/revoked-client.crt" -crl_reason keyCompromise 2>/dev/null
  openssl ca -batch -config "$db/ca.cnf" -gencrl -out "$out/crl.pem" 2>/dev/null
  # The same CA's CRL, but one whose nextUpdate has passed: a gateway must refuse every client
  # rather than trust a revocation list nobody has renewed.
  openssl ca -batch -config "$db/ca.cnf" -gencrl -crl_lastupdate 20200101000000Z \
    -crl_nextupdate 20200201000000Z -out "$out/crl-expired.pem" 2>/dev/null

  key "$out/self-signed-client.key"
  openssl req -x509 -new -key "$out/self-signed-client.key" -sha256 -days $days \
    -subj "/C=CN/O=Demo District Hospital/CN=hospital-a" -out "$out/self-signed-client.crt" \
    -addext "extendedKeyUsage=clientAuth"

  # A second CA, trusted by nobody; its key is only needed to sign one certificate.
  key "$tmp/untrusted-ca.key"
  openssl req -x509 -new -key "$tmp/untrusted-ca.key" -sha256 -days 3650 -out "$out/untrusted-ca.crt" \
    -subj "/C=CN/O=Untrusted Development/CN=Untrusted Dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  key "$out/untrusted-client.key"
  openssl req -new -key "$out/untrusted-client.key" -subj "/C=CN/O=Demo District Hospital/CN=hospital-a" \
    -out "$tmp/untrusted-client.csr"
  openssl x509 -req -in "$tmp/untrusted-client.csr" -CA "$out/untrusted-ca.crt" -CAkey "$tmp/untrusted-ca.key" \
    -CAcreateserial -CAserial "$tmp/untrusted-ca.srl" -days $days -sha256 \
    -extfile "$tmp/client.ext" -out "$out/untrusted-client.crt" 2>/dev/null
fi

echo "gen-dev-certs: wrote development certificates to $out" >&2
