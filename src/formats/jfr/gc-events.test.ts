import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcTotalsOfJfr } from './gc-events.js';
import { syntheticChunk } from './synthetic.test-support.js';

test('jfr gc events: none in a recording without jdk.GarbageCollection, or in non-JFR bytes', () => {
  assert.equal(gcTotalsOfJfr(new Uint8Array([1, 2, 3, 4]), 'x'), undefined);
  const chunk = syntheticChunk([{ kind: 'cpu', stack: 1 }]);
  assert.equal(gcTotalsOfJfr(chunk, 'synthetic.jfr'), undefined);
});
