# service-helpers.sh: shared by the scripts that install and run a throwaway service on
# 127.0.0.1 for the tests (prometheus.sh, alertmanager.sh). Source it after defining say().

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

# await_started PID PORT NAME: record PID in $DIR/pid, wait until the service's /-/ready answers
# on 127.0.0.1:PORT (exit 3 with its log tail if it does not), then print NAME_URL=... (also
# kept in $DIR/url for a second `start`).
await_started() {
  local pid="$1" port="$2" name="$3"
  echo "$pid" >"$DIR/pid"
  if ! wait_ready "http://127.0.0.1:$port/-/ready" "$pid"; then
    say "did not become ready; log:"; tail -n 20 "$DIR/log" >&2
    kill "$pid" 2>/dev/null
    exit 3
  fi
  echo "${name}_URL=http://127.0.0.1:$port" | tee "$DIR/url"
}

# stop_service: stop the PID recorded in $DIR/pid (TERM, then KILL after 5 s) and remove $DIR.
stop_service() {
  if [ -f "$DIR/pid" ]; then
    local pid
    pid=$(cat "$DIR/pid")
    kill "$pid" 2>/dev/null && for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}
