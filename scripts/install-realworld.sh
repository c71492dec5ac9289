#!/usr/bin/env bash
# install-realworld.sh: third-party code the real-world fixture suite drives
# (test/e2e/realworld-fixtures.test.ts), installed idempotently and never into the repo's own
# dependencies:
#   - exact old npm versions with published performance advisories, into
#     $AUTOPROF_REALWORLD_DIR (default test/fixtures/realworld/.cache, gitignored), one folder per
#     package@version so two versions of one package can coexist;
#   - Debian's Python packages the Python cases import with /usr/bin/python3.
# Never fails the caller: whatever cannot be installed is reported, and the cases that need it
# skip with that reason printed.
set -uo pipefail
cd "$(dirname "$0")/.."

dir="${AUTOPROF_REALWORLD_DIR:-$PWD/test/fixtures/realworld/.cache}"
mkdir -p "$dir"

# The package list is the one the cases name (realworld.json "npm" fields), so the two cannot drift.
mapfile -t packages < <(node -e '
  const cases = require("./test/fixtures/realworld/realworld.json");
  for (const c of new Set(cases.flatMap((c) => c.npm ?? []))) console.log(c);
')
for spec in "${packages[@]}"; do
  target="$dir/$spec"
  if [ -f "$target/.installed" ]; then continue; fi
  echo "install-realworld: npm install $spec" >&2
  mkdir -p "$target"
  if npm install --prefix "$target" --no-audit --no-fund --no-save --loglevel=error "$spec" >/dev/null; then
    touch "$target/.installed"
  else
    echo "install-realworld: could not install $spec; its case will skip" >&2
  fi
done

mapfile -t debs < <(node -e '
  const cases = require("./test/fixtures/realworld/realworld.json");
  for (const d of new Set(cases.flatMap((c) => c.debian ?? []))) console.log(d);
')
missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-realworld: apt-get install ${missing[*]}" >&2
    stamp=/var/lib/apt/periodic/autoprof-update-stamp
    if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +600 2>/dev/null)" ]; then
      apt-get update -qq >/dev/null 2>&1 && mkdir -p "$(dirname "$stamp")" && touch "$stamp"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      echo "install-realworld: could not install ${missing[*]}; their cases will skip" >&2
  else
    echo "install-realworld: missing ${missing[*]} and not root with apt-get; their cases will skip" >&2
  fi
fi
exit 0
