#!/usr/bin/env bash
# Idempotent setup for a fresh machine or clone: Debian packages, then npm packages.
# Runs before `npm test`, `npm start` and `npm run bench`; does nothing when all is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package that provides it
declare -A NEED=(
  [jackd]=jackd2
  [jacktrip]=jacktrip
  # the hub's recorder (docs/recording.md); the tests' own jack_rec comes with jackd2
  [jack_capture]=jack-capture
  [chromium]=chromium
  [Xvfb]=xvfb
  [sox]=sox
  [openssl]=openssl
  # the NAT lab of the hosting tests (testkit/lab): routers, UPnP and NAT-PMP
  [nft]=nftables
  [miniupnpd]=miniupnpd-nftables
  [upnpc]=miniupnpc
  [natpmpc]=natpmpc
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # miniupnpd's package would start a system service on this machine's real network; the
    # lab runs its own copies inside namespaces only.
    policy=/usr/sbin/policy-rc.d
    [ -e "$policy" ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; trap 'rm -f "$policy"' EXIT; }
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing system packages: ${missing[*]}" >&2
    echo "bootstrap: install them with:  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "bootstrap: (the hub's accounts work without them; rooms need jackd2 and jacktrip)" >&2
  fi
fi

# npm ci when node_modules is missing or older than the lockfile.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "bootstrap: installing npm packages (npm ci; better-sqlite3 compiles, about 90 s)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

bash scripts/build-renderer.sh
