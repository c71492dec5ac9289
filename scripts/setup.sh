#!/usr/bin/env bash
# setup.sh: everything a fresh machine needs to build and test autoprof, idempotently.
# Safe to run again and again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: autoprof needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
# `npm install` rather than `npm ci`: the registry this project reaches lacks some other
# platforms' optional binaries (e.g. biome's darwin builds) at the locked versions, so the lock
# cannot list them and `npm ci` refuses it as out of sync; `npm install` follows the lock and
# installs this platform's binaries.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  npm install --no-audit --no-fund --loglevel=error
fi

# Debian packages the collectors and tests use (perf, bpftrace, a JDK, gcc); each is optional
# for the product and the tests skip with a printed reason when one cannot be installed.
bash scripts/install-system-deps.sh

# Third-party code the real-world fixture suite drives (old npm versions, Debian Python packages),
# outside the repo's own dependencies; never fails the caller.
bash scripts/install-realworld.sh

echo "setup: building" >&2
npm run --silent build
