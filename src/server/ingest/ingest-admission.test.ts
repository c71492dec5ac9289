import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputLimitError } from '../../errors.js';
import { StoreBusyError } from '../store/store-busy.js';
import { IngestAdmission } from './ingest-admission.js';

test('admission refuses past its request slots and byte budget, and frees them on release', () => {
  const a = new IngestAdmission({ maxInflightBytes: 1000, maxConcurrent: 2, decodeExpansion: 10 });
  const first = a.admit(400);
  const second = a.admit(500);
  assert.throws(() => a.admit(1), StoreBusyError, 'no third slot');
  second.release();
  second.release(); // a second release must not free twice
  assert.deepEqual(a.inFlight(), { requests: 1, bytes: 400 });
  assert.throws(() => first.chargeDecoded(70), StoreBusyError, '400 + 700 is over 1000');
  first.chargeDecoded(50);
  assert.deepEqual(a.inFlight(), { requests: 1, bytes: 900 });
  first.release();
  assert.deepEqual(a.inFlight(), { requests: 0, bytes: 0 });
});

test('a request that alone needs more than the whole budget is too large (413), not busy', () => {
  const a = new IngestAdmission({ maxInflightBytes: 1000, maxConcurrent: 2, decodeExpansion: 10 });
  const t = a.admit(10);
  assert.throws(() => t.chargeDecoded(200), InputLimitError);
  t.release();
});
