#!/usr/bin/env bash
# prometheus.sh start|stop: a throwaway Prometheus on 127.0.0.1 for the anomaly tests.
#
# start installs Debian's `prometheus` when it is missing (idempotent: CI machines start fresh),
# writes a config that scrapes AUTOPROF_PROM_TARGETS every second, starts the server with a temp
# data dir, waits for /-/ready and prints `PROMETHEUS_URL=http://127.0.0.1:PORT` on stdout.
# stop kills the PID it recorded (never by name) and removes the temp dir.
#
# Environment:
#   AUTOPROF_PROM_DIR      state dir (pid, config, data); default /tmp/autoprof-prometheus-$UID
#   AUTOPROF_PROM_PORT     port to listen on; default: a free one
#   AUTOPROF_PROM_TARGETS  comma-separated host:port list to scrape at /metrics (may be empty)
#
# Exit status: 0 ok; 3 Prometheus cannot be installed or started here (the reason is printed,
# and the tests skip); 2 usage.
set -uo pipefail

DIR="${AUTOPROF_PROM_DIR:-/tmp/autoprof-prometheus-$(id -u)}"
say() { echo "prometheus.sh: $*" >&2; }

# free_port asks the kernel for an unused port (node is always there: autoprof needs it).
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# install_debian_package PKG BINARY: apt-get install PKG unless BINARY is already on PATH. The
# package's init script must not start a system-wide daemon on a public port, so service starts
# are denied for the duration of the install (policy-rc.d, only when none exists already).
install_debian_package() {
  local pkg="$1" bin="$2"
  command -v "$bin" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get to install $pkg"; return 1; }
  local SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      say "$pkg is missing and this is not root (no passwordless sudo)"; return 1
    fi
  fi
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local ok=0
  if ! $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 || ok=1
  fi
  [ -n "$own_policy" ] && $SUDO rm -f "$policy"
  [ "$ok" -eq 0 ] || { say "apt-get install $pkg failed"; return 1; }
  command -v "$bin" >/dev/null 2>&1 || { say "$pkg installed but $bin is not on PATH"; return 1; }
}

wait_ready() {
  local url="$1" pid="$2"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || return 1
    node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url" && return 0
    sleep 0.2
  done
  return 1
}

start() {
  install_debian_package prometheus prometheus || exit 3
  if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
    say "already running (pid $(cat "$DIR/pid"))"
    cat "$DIR/url"
    exit 0
  fi
  rm -rf "$DIR" && mkdir -p "$DIR/data"
  local port="${AUTOPROF_PROM_PORT:-$(free_port)}"
  local targets=""
  IFS=',' read -ra list <<<"${AUTOPROF_PROM_TARGETS:-}"
  for t in "${list[@]}"; do [ -n "$t" ] && targets+="'$t', "; done
  cat >"$DIR/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: autoprof-test
    static_configs:
      - targets: [${targets%, }]
YAML
  prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$DIR/log" 2>&1 &
  local pid=$!
  echo "$pid" >"$DIR/pid"
  if ! wait_ready "http://127.0.0.1:$port/-/ready" "$pid"; then
    say "did not become ready; log:"; tail -n 20 "$DIR/log" >&2
    kill "$pid" 2>/dev/null
    exit 3
  fi
  echo "PROMETHEUS_URL=http://127.0.0.1:$port" | tee "$DIR/url"
}

stop() {
  if [ -f "$DIR/pid" ]; then
    local pid
    pid=$(cat "$DIR/pid")
    kill "$pid" 2>/dev/null && for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install_debian_package prometheus prometheus || exit 3 ;;
  *) echo "usage: prometheus.sh start|stop|install" >&2; exit 2 ;;
esac
