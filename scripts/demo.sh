#!/usr/bin/env bash
# demo.sh: set up on a fresh machine, then run autoprof's main job on its bundled example: profile
# a small Node service black-box and print the diagnosis.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=autoprof-out/demo
rm -rf "$out"
node bin/autoprof.js run --out "$out" -- node examples/order-service.mjs 2000
echo
sed -n '1,60p' "$out/report.md"
echo
echo "Open $out/report.html for the interactive flame graph; findings.json has the structured findings."
