#!/usr/bin/env bash
# test.sh: the whole test suite, exactly what CI runs (.ci/run calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "test: typecheck" >&2
npm run --silent typecheck
echo "test: lint" >&2
npm run --silent lint

# Tests whose verdicts rest on timings and sampled shares (a profiled run against a bare one,
# the CI diff's whole-run statistics, the diagnosis and real-world scorecards, which already run
# two programs at a time) run one file at a time after the rest: beside another test file on 2
# cores they measure the neighbour as much as the program.
timed='test/(e2e/(run-target-metrics|run-thread-roles|diff-checkouts|diagnosis-fixtures|realworld-fixtures)|server/decode-off-loop)\.test\.ts$'
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort | grep -Ev "$timed")
mapfile -t timed_files < <(find test -name '*.test.ts' | sort | grep -E "$timed")
echo "test: ${#files[@]} test files, then ${#timed_files[@]} timing-sensitive files alone" >&2
# Conformance tests read ../shared/corpora (or AUTOPROF_CORPORA) and skip loudly without it.
status=0
node --import tsx --test --test-concurrency=2 "${files[@]}" || status=$?
node --import tsx --test --test-concurrency=1 "${timed_files[@]}" || status=$?
exit "$status"
