#!/usr/bin/env bash
# Installs the Debian packages Kangqiao needs to build, run and test.
# Idempotent: when every package is already present it does nothing and needs no network.
# Also installs the npm packages of the end-to-end tests (tests/e2e/node) when they are missing or stale.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libxml2-dev libpoco-dev libtcmalloc-minimal4
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev
  openssl curl python3 python3-hl7 python3-openpyxl procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js runs the FHIR schema validator and the FHIR client of the end-to-end tests. Checked by
# command rather than by package: a Node.js from elsewhere (NodeSource ships npm inside its
# nodejs package) serves as well, and asking apt for Debian's npm beside it would conflict.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The tests' npm packages, exactly as package-lock.json pins them. `npm ci` runs only when
# node_modules is missing or was installed from another lock file (the stamp records which).
node_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/node"
stamp="$node_dir/node_modules/.kq-package-lock.sha256"
lock_sum="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "install-deps: npm ci in tests/e2e/node" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_sum" > "$stamp"
fi
