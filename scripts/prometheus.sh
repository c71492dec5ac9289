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

# shellcheck source=lib/service-helpers.sh
source "$(dirname "$0")/lib/service-helpers.sh"

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
  await_started $! "$port" PROMETHEUS
}

case "${1:-}" in
  start) start ;;
  stop) stop_service ;;
  install) install_debian_package prometheus prometheus || exit 3 ;;
  *) echo "usage: prometheus.sh start|stop|install" >&2; exit 2 ;;
esac
