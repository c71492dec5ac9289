#!/usr/bin/env bash
# install-chromium.sh: make Debian's headless-capable Chromium available at /usr/bin/chromium
# for the report.html browser tests (driven by playwright-core, which never downloads a
# browser here). Idempotent, and never fails the CI run: when Chromium cannot be installed it
# says why and exits 0, and the browser tests skip with a printed reason.
set -uo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "install-chromium.sh: chromium already installed: $(chromium --version 2>/dev/null || echo 'version unknown')"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium.sh: no apt-get on this machine; install chromium yourself (browser tests will skip)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install-chromium.sh: chromium is missing and this is not root (no passwordless sudo); browser tests will skip"
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq; then
  echo "install-chromium.sh: apt-get update failed; browser tests will skip"
  exit 0
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
  echo "install-chromium.sh: apt-get install chromium failed; browser tests will skip"
  exit 0
fi
echo "install-chromium.sh: installed $(chromium --version 2>/dev/null || echo chromium)"
