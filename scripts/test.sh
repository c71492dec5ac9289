#!/usr/bin/env bash
# test.sh: the whole test suite, exactly what CI runs (.ci/run calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "test: typecheck" >&2
npm run --silent typecheck
echo "test: lint" >&2
npm run --silent lint

mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "test: ${#files[@]} test files" >&2
# Conformance tests read ../shared/corpora (or AUTOPROF_CORPORA) and skip loudly without it.
node --import tsx --test --test-concurrency=2 "${files[@]}"
