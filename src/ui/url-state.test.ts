import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildQuery, formatMatchers, parseMatchers } from './query.js';
import { describeRange, resolveTimeMs } from './time-range.js';
import { defaultUiState, formatUiState, parseUiState } from './url-state.js';

test('the URL round-trips the whole view, and defaults stay out of it', () => {
  const state = {
    ...defaultUiState(),
    service: 'checkout',
    type: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
    matchers: 'pod="a",region=~"eu-.*"',
    view: 'diff' as const,
    search: 'hot.*Loop',
    zoom: ['total', 'main', 'a;b (x.py:1)'],
    diffMode: 'absolute' as const,
    baseFrom: '1700000000000',
    headMatchers: 'version="2"',
    theme: 'dark' as const,
    anomaly: 'an_3f2a',
  };
  assert.deepEqual(parseUiState(formatUiState(state)), state);
  assert.equal(formatUiState(defaultUiState()), '');
  assert.deepEqual(parseUiState('?view=bogus&theme=pink'), defaultUiState());
});

test('matchers split into chips and join back; the query names the service', () => {
  const chips = parseMatchers('pod="a",region=~"eu-\\".*"');
  assert.deepEqual(chips, [
    { name: 'pod', op: '=', value: 'a' },
    { name: 'region', op: '=~', value: 'eu-".*' },
  ]);
  assert.equal(formatMatchers(chips), 'pod="a",region=~"eu-\\".*"');
  assert.equal(
    buildQuery('wall:wall:nanoseconds:wall:nanoseconds', 'api', 'pod="a"'),
    'wall:wall:nanoseconds:wall:nanoseconds{service_name="api",pod="a"}',
  );
});

test('times read like the server reads them', () => {
  const now = 1_700_000_000_000;
  assert.equal(resolveTimeMs('now-15m', now), now - 900_000);
  assert.equal(resolveTimeMs('1700000000', now), 1_700_000_000_000);
  assert.equal(resolveTimeMs('1700000000123', now), 1_700_000_000_123);
  assert.equal(resolveTimeMs('garbage', now), undefined);
  assert.equal(describeRange('now-6h', 'now', now), 'last 6h');
});

test('a bare URL lands on the fleet triage; a service link opens its flame graph', () => {
  assert.equal(parseUiState('').view, 'triage');
  assert.equal(parseUiState('?from=now-6h').view, 'triage');
  assert.equal(parseUiState('?service=checkout').view, 'flame');
  assert.equal(parseUiState('?view=triage&service=checkout').view, 'triage');
  assert.equal(formatUiState({ ...defaultUiState(), view: 'triage' }), '?view=triage');
});
