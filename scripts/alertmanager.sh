#!/usr/bin/env bash
# alertmanager.sh start|stop: a throwaway Alertmanager on 127.0.0.1 for the anomaly tests.
#
# start installs Debian's `prometheus-alertmanager` when it is missing (idempotent), writes a
# config whose only receiver is a webhook to AUTOPROF_AM_WEBHOOK_URL (autoprof's
# /api/v1/alertmanager in the tests), starts it with a temp storage dir and clustering off (an
# empty --cluster.listen-address, or it binds a public gossip port), waits for /-/ready and
# prints `ALERTMANAGER_URL=http://127.0.0.1:PORT` on stdout. stop kills the recorded PID.
#
# Environment:
#   AUTOPROF_AM_DIR          state dir; default /tmp/autoprof-alertmanager-$UID
#   AUTOPROF_AM_PORT         port; default: a free one
#   AUTOPROF_AM_WEBHOOK_URL  where alerts go (required for start)
#
# Exit status: 0 ok; 3 cannot be installed or started here (reason printed; tests skip); 2 usage.
set -uo pipefail

DIR="${AUTOPROF_AM_DIR:-/tmp/autoprof-alertmanager-$(id -u)}"
BIN=prometheus-alertmanager
say() { echo "alertmanager.sh: $*" >&2; }

# shellcheck source=lib/service-helpers.sh
source "$(dirname "$0")/lib/service-helpers.sh"

start() {
  [ -n "${AUTOPROF_AM_WEBHOOK_URL:-}" ] || { say "AUTOPROF_AM_WEBHOOK_URL is required"; exit 2; }
  install_debian_package prometheus-alertmanager "$BIN" || exit 3
  if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
    say "already running (pid $(cat "$DIR/pid"))"
    cat "$DIR/url"
    exit 0
  fi
  rm -rf "$DIR" && mkdir -p "$DIR/data"
  local port="${AUTOPROF_AM_PORT:-$(free_port)}"
  # Short group waits so a test sees its alert within seconds instead of Alertmanager's 30 s.
  cat >"$DIR/alertmanager.yml" <<YAML
route:
  receiver: autoprof
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: autoprof
    webhook_configs:
      - url: '${AUTOPROF_AM_WEBHOOK_URL}'
        send_resolved: false
YAML
  "$BIN" --config.file="$DIR/alertmanager.yml" --storage.path="$DIR/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn >"$DIR/log" 2>&1 &
  await_started $! "$port" ALERTMANAGER
}

case "${1:-}" in
  start) start ;;
  stop) stop_service ;;
  install) install_debian_package prometheus-alertmanager "$BIN" || exit 3 ;;
  *) echo "usage: alertmanager.sh start|stop|install" >&2; exit 2 ;;
esac
