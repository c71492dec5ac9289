#!/usr/bin/env bash
# demo.sh: set up on a fresh machine, then run autoprof's main job on its bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/autoprof.js top samples/order-service.cpuprofile.gz --nodecount 15
