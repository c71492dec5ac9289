#!/usr/bin/env bash
# install-go.sh: make `go` available (Debian's golang-go) for benchmarks that compare against
# `go tool pprof`. Idempotent: does nothing when go is already on PATH.
set -euo pipefail

if command -v go >/dev/null 2>&1; then
  echo "go already installed: $(go version)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-go.sh: go is missing and this is not root (no sudo); install golang-go yourself" >&2
    exit 2
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq golang-go >/dev/null
echo "installed: $(go version)"
