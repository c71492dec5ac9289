#!/usr/bin/env bash
# clickhouse.sh start|stop|kill|status: a throwaway ClickHouse server for the ClickHouse store's
# tests and benchmark. It installs Debian's clickhouse-server when missing (idempotent), runs it
# on 127.0.0.1 only, with its own ports and a temporary data directory, and stops it by PID.
#
#   start   start (or keep running) the server; reuses the data directory a `kill` left behind,
#           so tests can SIGKILL and restart it and see what survived
#   stop    SIGTERM by PID, wait, remove the data directory
#   kill    SIGKILL by PID (a crash), keeping the data directory
#   status  exit 0 when it answers /ping
#
# Environment: AUTOPROF_CLICKHOUSE_DIR (state dir, default /tmp/autoprof-clickhouse),
# AUTOPROF_CLICKHOUSE_HTTP_PORT (18123), AUTOPROF_CLICKHOUSE_TCP_PORT (19000).
# Users: `default` (no password) and `autoprof` (password `autoprof`), both local only.
# Cluster `autoprof_test` (one shard, this server) lets tests create Distributed tables.
# Exit status: 0 ok, 1 failed (the reason on stderr; tests skip with it).
set -uo pipefail

DIR="${AUTOPROF_CLICKHOUSE_DIR:-/tmp/autoprof-clickhouse}"
HTTP_PORT="${AUTOPROF_CLICKHOUSE_HTTP_PORT:-18123}"
TCP_PORT="${AUTOPROF_CLICKHOUSE_TCP_PORT:-19000}"
PID_FILE="$DIR/clickhouse.pid"

say() { echo "clickhouse.sh: $*" >&2; }

server_bin() {
  command -v clickhouse-server 2>/dev/null && return 0
  [ -x /usr/sbin/clickhouse-server ] && echo /usr/sbin/clickhouse-server && return 0
  [ -x /usr/bin/clickhouse ] && echo "/usr/bin/clickhouse server" && return 0
  return 1
}

install_server() {
  server_bin >/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "clickhouse-server is missing and this is not root with apt-get"
    return 1
  fi
  say "installing clickhouse-server (Debian package)"
  # The package's postinst tries to start the system service; policy-rc.d usually stops that,
  # and we never use the system service anyway.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null 2>&1 || {
      say "apt-get install clickhouse-server failed"
      return 1
    }
  fi
  server_bin >/dev/null
}

ping_ok() {
  curl -fsS --max-time 2 "http://127.0.0.1:$HTTP_PORT/ping" 2>/dev/null | grep -q Ok
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {
  mkdir -p "$DIR/data" "$DIR/tmp" "$DIR/user_files" "$DIR/format_schemas" "$DIR/log"
  # No interserver_http_port: replication is not exercised here, and it would listen publicly.
  cat >"$DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$DIR/log/server.log</log><errorlog>$DIR/log/error.log</errorlog><size>10M</size><count>2</count></logger>
  <http_port>$HTTP_PORT</http_port>
  <tcp_port>$TCP_PORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$DIR/data/</path>
  <tmp_path>$DIR/tmp/</tmp_path>
  <user_files_path>$DIR/user_files/</user_files_path>
  <format_schema_path>$DIR/format_schemas/</format_schema_path>
  <users_config>$DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <autoprof_test><shard><replica><host>127.0.0.1</host><port>$TCP_PORT</port></replica></shard></autoprof_test>
  </remote_servers>
</yandex>
EOF
  cat >"$DIR/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <autoprof><password>autoprof</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></autoprof>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
}

start() {
  if pid="$(running_pid)"; then
    ping_ok && { say "already running (pid $pid, http 127.0.0.1:$HTTP_PORT)"; return 0; }
  fi
  install_server || return 1
  write_config
  local bin
  bin="$(server_bin)"
  # setsid: its own process group, so a test runner's signals do not reach it; stopped by PID.
  # shellcheck disable=SC2086
  setsid $bin --config-file="$DIR/config.xml" >"$DIR/log/stdout.log" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 150); do
    if ping_ok; then
      say "started (pid $(cat "$PID_FILE"), http 127.0.0.1:$HTTP_PORT, data $DIR/data)"
      return 0
    fi
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      say "server exited during start-up: $(tail -n 5 "$DIR/log/error.log" "$DIR/log/stdout.log" 2>/dev/null | tr '\n' ' ')"
      return 1
    fi
    sleep 0.2
  done
  say "server did not answer /ping within 30 s"
  return 1
}

stop() {
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    say "stopped (pid $pid)"
  fi
  rm -rf "$DIR"
}

crash() {
  if pid="$(running_pid)"; then
    kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    say "killed (pid $pid, SIGKILL); data kept in $DIR/data"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) crash ;;
  status) ping_ok && { say "up on 127.0.0.1:$HTTP_PORT"; exit 0; } || { say "down"; exit 1; } ;;
  *) echo "usage: scripts/clickhouse.sh start|stop|kill|status" >&2; exit 2 ;;
esac
