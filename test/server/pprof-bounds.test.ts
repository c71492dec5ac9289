import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { INGEST_PPROF_LIMITS } from '../../src/formats/pprof-limits.js';
import { startTestServer } from './harness.js';

/**
 * Field-by-field decode bounds for pprof (issue 23): a body whose tables, strings or samples pass
 * a bound is refused 413 with the bound's name, while it is framed or its samples are read, so a
 * small gzipped body cannot make the server allocate the tables it announces. The bodies are
 * hand-built protobuf: each is the smallest message that passes exactly one bound.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** field: a length-delimited protobuf field. */
function field(number: number, payload: Uint8Array | number[]): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  return Uint8Array.from([...varint((number << 3) | 2), ...varint(body.length), ...body]);
}

/** repeated: `count` copies of one encoded field. */
function repeated(encoded: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(encoded.length * count);
  for (let i = 0; i < count; i++) out.set(encoded, i * encoded.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const L = INGEST_PPROF_LIMITS;
const empty = (n: number) => field(n, []);
const deepSample = () => {
  const ids = new Uint8Array(L.maxStackDepth + 1).fill(1);
  return field(2, field(1, ids));
};
const attacks: Array<[string, Uint8Array]> = [
  ['maxSamples', repeated(empty(2), L.maxSamples + 1)],
  ['maxLocations', repeated(empty(4), L.maxLocations + 1)],
  ['maxFunctions', repeated(empty(5), L.maxFunctions + 1)],
  ['maxMappings', repeated(empty(3), L.maxMappings + 1)],
  ['maxStrings', repeated(empty(6), L.maxStrings + 1)],
  ['maxStringBytes', concat(empty(6), field(6, new Uint8Array(L.maxStringBytes + 1).fill(97)))],
  ['maxSampleTypes', repeated(empty(1), L.maxSampleTypes + 1)],
  ['maxStackDepth', deepSample()],
  ['maxLabelsPerSample', field(2, repeated(empty(3), L.maxLabelsPerSample + 1))],
];

test('pprof bodies past a decode bound answer 413 naming it; the server keeps serving', async () => {
  const server = await startTestServer();
  try {
    for (const [bound, body] of attacks) {
      const started = performance.now();
      const r = await fetch(`${server.url}/ingest?name=bounds.cpu&format=pprof`, {
        method: 'POST',
        body: new Uint8Array(gzipSync(body)),
      });
      const text = await r.text();
      const ms = performance.now() - started;
      assert.equal(r.status, 413, `${bound}: ${text}`);
      assert.match(text, new RegExp(`\\(${bound}\\)`), bound);
      process.stderr.write(
        `pprof bound ${bound}: ${body.length} bytes decompressed -> 413 in ${Math.round(ms)} ms\n`,
      );
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    }
    // The same shapes within their bounds still decode (and are refused only if broken).
    const within = concat(empty(6), field(6, new Uint8Array(L.maxStringBytes).fill(97)));
    const ok = await fetch(`${server.url}/ingest?name=bounds.cpu&format=pprof`, {
      method: 'POST',
      body: new Uint8Array(gzipSync(within)),
    });
    assert.equal(ok.status, 200, await ok.text());
  } finally {
    await server.close();
  }
});
