import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodePprof } from '../../src/formats/pprof.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import { startTestServer } from './harness.js';

/**
 * A large ingest must not stall the server (issue 23): while a pprof of 60k distinct stacks
 * (~3 MB decompressed) is decoded and committed, /healthz keeps answering within 1 s (scaled by
 * the machine's oversubscription, as in reliability.test.ts), both with decoding on the event
 * loop (the default; the store's commit yields every 2,048 stacks). Decode workers
 * (limits.decodeWorkers, opt-in) must store the profile too, but make no latency promise yet:
 * handing the decoded profile back to the loop costs about what decoding there does (2.4 s vs
 * 2.5 s worst /healthz on the branch, 5.7 s vs 1.4 s in a clean-clone suite run at load 4), so
 * their figure is printed beside the default's, not asserted.
 */

const OVERSUBSCRIPTION = Math.max(1, loadavg()[0] / availableParallelism());
const LATENCY_BOUND_MS = 1000 * OVERSUBSCRIPTION;

function largePprof(): Uint8Array {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  for (let i = 0; i < 60_000; i++) {
    b.addStackRootFirst(['main', `h${i % 97}`, `mid${i % 1000}`, `work${i}`, `leaf${i % 13}`], [1]);
  }
  const p = b.build();
  p.timeNanos = Date.now() * 1e6;
  p.durationNanos = 10e9;
  p.periodType = { type: 'cpu', unit: 'nanoseconds' };
  return gzipSync(encodePprof(p));
}

/** ingestWhileProbing posts the body and probes /healthz every 50 ms until the answer. */
async function ingestWhileProbing(url: string, body: Uint8Array) {
  let done = false;
  const latencies: number[] = [];
  const probes = (async () => {
    while (!done) {
      const started = performance.now();
      const r = await fetch(`${url}/healthz`);
      await r.text();
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const started = performance.now();
  const r = await fetch(`${url}/ingest?name=big.cpu&format=pprof`, {
    method: 'POST',
    body: new Uint8Array(body),
  });
  const text = await r.text();
  const ingestMs = performance.now() - started;
  done = true;
  await probes;
  return { status: r.status, text, ingestMs, worst: Math.max(...latencies), probes: latencies.length };
}

test('/healthz answers within 1 s while a large profile is ingested on the loop; a decode worker stores it too', async () => {
  const body = largePprof();
  const results: Record<string, Awaited<ReturnType<typeof ingestWhileProbing>>> = {};
  for (const decodeWorkers of [0, 1]) {
    const server = await startTestServer({ decodeWorkers });
    try {
      const r = await ingestWhileProbing(server.url, body);
      assert.equal(r.status, 200, r.text);
      const services = await fetch(`${server.url}/pyroscope/label-values?label=service_name`);
      assert.ok(((await services.json()) as string[]).includes('big.cpu'));
      results[decodeWorkers === 0 ? 'on the event loop' : 'one decode worker'] = r;
    } finally {
      await server.close();
    }
  }
  process.stderr.write(
    `large ingest (load ${loadavg()[0].toFixed(1)}, bound ${Math.round(LATENCY_BOUND_MS)} ms, ${body.length} gzipped bytes): ${Object.entries(
      results,
    )
      .map(
        ([k, r]) =>
          `${k}: ingest ${Math.round(r.ingestMs)} ms, worst /healthz ${Math.round(r.worst)} ms over ${r.probes} probes`,
      )
      .join('; ')}\n`,
  );
  const onLoop = results['on the event loop'];
  assert.ok(
    onLoop.worst < LATENCY_BOUND_MS,
    `on the event loop: worst /healthz ${onLoop.worst} ms (bound ${LATENCY_BOUND_MS} ms)`,
  );
});
