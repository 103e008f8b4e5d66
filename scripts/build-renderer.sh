#!/usr/bin/env bash
# Builds the web UI (renderer/dist) when it is missing or older than its sources.
# The hub serves it at /; `npm start`, `npm test`, `npm run hub` and `npm run bench` call this.
set -euo pipefail
cd "$(dirname "$0")/.."
out=renderer/dist/index.html
if [ ! -f "$out" ] || [ -n "$(find renderer/src renderer/index.html renderer/vite.config.ts \
  renderer/public protocol package-lock.json -newer "$out" -print -quit)" ]; then
  echo "build-renderer: building the web UI (renderer/dist)"
  node_modules/.bin/vite build renderer --logLevel warn
fi
