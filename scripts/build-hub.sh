#!/usr/bin/env bash
# Bundles the headless hub (dist/hub, scripts/build-hub.ts) when the bundle is missing or older
# than its sources. `npm run hub` and `npm run bench` call this; the check is one `find` (a few
# ms), the build about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/hub/.built
if [ ! -f "$stamp" ] || [ -n "$(find hub-core/src protocol package-lock.json scripts/build-hub.ts \
  scripts/build-hub.sh -newer "$stamp" -print -quit)" ]; then
  echo "build-hub: bundling the hub (dist/hub)"
  node --import tsx scripts/build-hub.ts
fi
