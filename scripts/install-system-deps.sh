#!/usr/bin/env bash
# install-system-deps.sh: Debian packages for collectors and tests, installed only when missing.
# Never fails the caller: a package that cannot be installed is reported, and the tests that
# need it skip with a printed reason.
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: installing ${need[*]}" >&2
    stamp=/var/lib/apt/periodic/autoprof-update-stamp
    if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +600 2>/dev/null)" ]; then
      apt-get update -qq >/dev/null 2>&1 && mkdir -p "$(dirname "$stamp")" && touch "$stamp"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
      echo "install-system-deps: could not install ${need[*]}; dependent tests will skip" >&2
  else
    echo "install-system-deps: missing ${need[*]} and not root with apt-get; dependent tests will skip" >&2
  fi
fi

# Collector-specific packages (perf, bpftrace) and the browser for report and UI tests have
# their own scripts; each is idempotent and never fails the caller.
for script in install-collector-deps.sh install-chromium.sh; do
  if [ -f "scripts/$script" ]; then
    bash "scripts/$script" || echo "install-system-deps: $script incomplete; dependent tests will skip" >&2
  fi
done
exit 0
