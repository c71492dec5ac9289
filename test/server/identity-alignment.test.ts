import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportToPprof } from '../../src/formats/pprof.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import { explainChange } from '../../src/server/anomaly/root-cause.js';
import { diffToFlamebearer } from '../../src/server/query/diff-flamebearer.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Two versions of one service deployed at different absolute paths, as a rolling deploy leaves
 * them: v1 under /srv/checkout/releases/41, v2 under /opt/checkout-2026-12/app. v2 made
 * `priceCart` three times as expensive. render-diff and the anomaly root cause must align the
 * versions by function identity (model/function-identity.ts): no function reads as removed
 * and new, and two different functions that share a name (`validate` in cart.js and in
 * address.js) stay two wherever files are still known.
 */
const T0 = 1_700_000_000;
const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];

function version(root: string, priceCost: number) {
  const b = new ProfileBuilder(cpu);
  const frame = (name: string, file: string, line: number) => ({
    name,
    file: `file://${root}/${file}`,
    line,
  });
  const main = frame('handleRequest', 'src/server.js', 10);
  b.addStackRootFirst([main, frame('priceCart', 'src/cart.js', 20)], [priceCost * 1e7]);
  b.addStackRootFirst([main, frame('validate', 'src/cart.js', 5)], [2e7]);
  b.addStackRootFirst([main, frame('validate', 'src/address.js', 7)], [2e7]);
  b.addStackRootFirst(
    [
      main,
      frame('render', 'src/view.js', 3),
      { name: 'stringify', file: `${root}/node_modules/fast-json/index.js` },
    ],
    [4e7],
  );
  return b.build();
}

const v1 = version('/srv/checkout/releases/41', 2);
const v2 = version('/opt/checkout-2026-12/app', 6);

describe('function identity across two deployments', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    for (const [v, p] of [
      ['v1', v1],
      ['v2', v2],
    ] as const) {
      const r = await fetch(
        `${server.url}/ingest?name=${encodeURIComponent(`checkout{version=${v}}`)}&format=pprof&from=${T0}&until=${T0 + 10}`,
        { method: 'POST', body: new Uint8Array(exportToPprof(p)) },
      );
      assert.equal(r.status, 200, await r.text());
    }
  });
  after(async () => {
    await server.close();
  });

  test('render-diff aligns every function of v1 with v2', async () => {
    const q = (v: string) =>
      encodeURIComponent(
        `process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="checkout",version="${v}"}`,
      );
    const r = await fetch(
      `${server.url}/pyroscope/render-diff?leftQuery=${q('v1')}&leftFrom=${T0}&leftUntil=${T0 + 60}&rightQuery=${q('v2')}&rightFrom=${T0}&rightUntil=${T0 + 60}`,
    );
    assert.equal(r.status, 200);
    const body = (await r.json()) as { flamebearer: { names: string[]; levels: number[][] } };
    const bars: Array<{ name: string; left: number; right: number }> = [];
    for (const row of body.flamebearer.levels) {
      for (let i = 0; i < row.length; i += 7) {
        bars.push({ name: body.flamebearer.names[row[i + 6]], left: row[i + 1], right: row[i + 4] });
      }
    }
    const oneSided = bars.filter((b) => (b.left === 0) !== (b.right === 0));
    assert.deepEqual(oneSided, [], 'a function of one version reads as removed or new');
    const price = bars.find((b) => b.name === 'priceCart');
    assert.deepEqual([price?.left, price?.right], [2e7, 6e7]);
  });

  test('render-diff keeps two functions that share a name apart when files are known', () => {
    // The store keeps frame names only (as Pyroscope's does), so this is the query layer's own
    // rule, on profiles that still carry their files.
    const body = diffToFlamebearer(v1, v2);
    const validate = body.flamebearer.names.indexOf('validate');
    const bars = body.flamebearer.levels[2].filter((_, i, row) => i % 7 === 6 && row[i] === validate);
    assert.equal(bars.length, 2, JSON.stringify(body.flamebearer));
    const oneSided = body.flamebearer.levels.flatMap((row) =>
      row.filter((_, i) => i % 7 === 1 && (row[i] === 0) !== (row[i + 3] === 0)),
    );
    assert.deepEqual(oneSided, [], 'a function of one version reads as removed or new');
  });

  test('the root cause names the changed function as a regression at its relative path', () => {
    const window = { from: T0, until: T0 + 60 };
    const report = explainChange(v1, v2, {
      service: 'checkout',
      profileType: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      deploy: null,
      baseline: window,
      window,
    });
    assert.equal(report.changes[0]?.kind, 'regression', JSON.stringify(report.changes));
    assert.equal(report.changes[0].function, 'priceCart');
    // The root is inferred from the profile alone: the deepest folder of the service's own files.
    assert.equal(report.changes[0].file, 'cart.js');
    assert.ok(!report.changes.some((c) => c.kind === 'new_hotspot' || c.kind === 'removed_hotspot'));
    assert.deepEqual(report.subject, {
      function: 'priceCart',
      file: 'cart.js',
      base_pct: 20,
      head_pct: 42.86,
    });
  });
});
