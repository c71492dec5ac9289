#!/usr/bin/env bash
# install-collector-deps.sh: installs what the perf, ebpf and jvm collectors (and their tests)
# need on a fresh Debian CI machine: perf, bpftrace, a JDK with javac and jfr, gcc, python3.
# Idempotent (checks with `command -v` first) and never fails the CI: a package that cannot be
# installed is reported, and the tests that need it skip with a printed reason.
set -u

say() { printf 'install-collector-deps: %s\n' "$*" >&2; }

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO='sudo -n'; else
    say 'not root and no sudo: cannot install packages; collectors needing them will skip'
    exit 0
  fi
fi

# command:package pairs; one package may provide several commands.
WANTED='perf:linux-perf bpftrace:bpftrace javac:openjdk-17-jdk-headless jfr:openjdk-17-jdk-headless gcc:gcc python3:python3'
missing=''
for pair in $WANTED; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  if command -v "$cmd" >/dev/null 2>&1; then continue; fi
  case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done

if [ -n "$missing" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get: install by hand:$missing"
  else
    $SUDO apt-get update -qq >/dev/null 2>&1 || say 'apt-get update failed; trying the install anyway'
    # One package at a time, so one unavailable package does not block the others.
    for pkg in $missing; do
      if DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1; then
        say "installed $pkg"
      else
        say "could not install $pkg (not in this distribution's repositories, or no network); its tests will skip"
      fi
    done
  fi
fi

# bpftrace finds tracepoints through tracefs; minimal VMs and containers often do not mount it.
if command -v bpftrace >/dev/null 2>&1 && [ -d /sys/kernel/tracing ] && [ ! -e /sys/kernel/tracing/events ]; then
  $SUDO mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null \
    && say 'mounted tracefs on /sys/kernel/tracing' \
    || say 'tracefs not mounted and mounting failed: bpftrace tracepoints unavailable, the ebpf test will skip'
fi

if command -v perf >/dev/null 2>&1; then
  if perf record -q -o /dev/null -- true >/dev/null 2>&1; then say 'perf record works'; else
    say "perf installed but perf record fails (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)); the perf test will skip"
  fi
fi
exit 0
