import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRng } from '../../src/analysis/seeded-random.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * The deploy that adds new code: a service pushes a steady profile every 10 s for two hours,
 * then a new version (a new value of its `version` label) whose profile has a function the
 * baseline never had taking ~47% of CPU. Four services cover the cases: with and without a
 * deploy event, with a perfectly steady baseline (zero variance) and with jitter. One detection
 * pass must create one anomaly per service naming the new function, attributed to the version.
 */
const MIN = 60;
const T0 = Math.floor(Date.now() / 1000 / MIN) * MIN - 3 * 3600;
const DEPLOY_AT = T0 + 120 * MIN;
const END = DEPLOY_AT + 12 * MIN;

interface Case {
  service: string;
  deployEvent: boolean;
  jitter: boolean;
}
const CASES: Case[] = [
  { service: 'pay-steady', deployEvent: false, jitter: false },
  { service: 'pay-steady-event', deployEvent: true, jitter: false },
  { service: 'pay-jitter', deployEvent: false, jitter: true },
  { service: 'pay-jitter-event', deployEvent: true, jitter: true },
];

/** folded is the service's 10-s profile: v2 adds computeRiskScore at ~47% of the samples. */
function folded(version: 'v1' | 'v2', vary: (n: number) => number): string {
  const lines = [
    `main;handleRequest;parseBody ${vary(300)}`,
    `main;handleRequest;queryDb;encodeRow ${vary(250)}`,
    `main;handleRequest;renderJson ${vary(350)}`,
    `main;gcWork ${vary(100)}`,
  ];
  // 1000 samples of the old shape plus 890 of the new function: 890 / 1890 = 47%.
  if (version === 'v2') lines.push(`main;handleRequest;computeRiskScore ${vary(890)}`);
  return `${lines.join('\n')}\n`;
}

describe('a new version that adds a hot function', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ anomaly: { enabled: false, publicUrl: 'http://autoprof.example' } });
    for (const c of CASES) {
      if (!c.deployEvent) continue;
      const r = await fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        body: JSON.stringify({ service: c.service, version: 'v2', time: DEPLOY_AT }),
      });
      assert.equal(r.status, 201, await r.text());
    }
    const rng = createRng(16);
    const writes: Promise<void>[] = [];
    for (let t = T0; t < END; t += 10) {
      const version = t >= DEPLOY_AT ? 'v2' : 'v1';
      for (const c of CASES) {
        const vary = c.jitter ? (n: number) => Math.round(n * (0.85 + 0.3 * rng())) : (n: number) => n;
        const name = `${c.service}.cpu{version=${version}}`;
        writes.push(
          fetch(
            `${server.url}/ingest?name=${encodeURIComponent(name)}&from=${t}&until=${t + 10}&sampleRate=100`,
            {
              method: 'POST',
              body: folded(version, vary),
            },
          ).then(async (r) => assert.equal(r.status, 200, await r.text())),
        );
      }
      if (writes.length >= 64) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
  });
  after(async () => {
    await server?.close();
  });

  test('one detection pass names the new function in every case, attributed to v2', async () => {
    const r = await fetch(`${server.url}/api/v1/anomalies/detect?now=${END + 2 * MIN}`, { method: 'POST' });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    for (const c of CASES) {
      const list = await fetch(`${server.url}/api/v1/anomalies?service=${c.service}`);
      const { anomalies } = (await list.json()) as { anomalies: any[] };
      assert.equal(anomalies.length, 1, `${c.service}: ${JSON.stringify(anomalies.map((a) => a.function))}`);
      const a = anomalies[0];
      assert.equal(a.function.name, 'computeRiskScore', `${c.service}: ${JSON.stringify(a.function)}`);
      assert.equal(a.function.baseline_pct, 0);
      assert.ok(a.function.current_pct > 40 && a.function.current_pct < 55, JSON.stringify(a.function));
      assert.equal(a.version, 'v2');
      assert.equal(a.deploy?.version, 'v2', `${c.service}: ${JSON.stringify(a.deploy)}`);
      assert.equal(a.deploy.source, c.deployEvent ? 'api' : 'label');
      assert.ok(
        Math.abs(a.window.from - DEPLOY_AT) <= MIN,
        `${c.service}: window ${JSON.stringify(a.window)}`,
      );
    }
  });
});
