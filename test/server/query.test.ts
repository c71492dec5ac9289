import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importPprof } from '../../src/formats/pprof.js';
import { startTestServer, type TestServer } from './harness.js';

const T0 = 1_700_000_000; // seconds

describe('query API', () => {
  let server: TestServer;
  const ingest = async (name: string, from: number, body: string) => {
    const r = await fetch(
      `${server.url}/ingest?name=${encodeURIComponent(name)}&from=${from}&until=${from + 10}&sampleRate=100`,
      {
        method: 'POST',
        body,
      },
    );
    assert.equal(r.status, 200, await r.text());
  };
  const getJson = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    assert.equal(r.status, 200, path);
    return r.json() as Promise<any>;
  };
  const connect = async (method: string, body: unknown) => {
    const r = await fetch(`${server.url}/querier.v1.QuerierService/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 200, method);
    return r.json() as Promise<any>;
  };

  before(async () => {
    server = await startTestServer();
    await ingest('shop.cpu{pod=a}', T0, 'main;checkout;hash 6\nmain;idle 2\n');
    await ingest('shop.cpu{pod=b}', T0 + 10, 'main;checkout;hash 2\nmain;checkout;json 4\n');
    await ingest('shop.cpu{pod=a}', T0 + 600, 'main;checkout;hash 1\nmain;checkout;json 9\n');
    await ingest('shop.alloc_space', T0, 'main;buf 1024\n');
  });
  after(async () => {
    await server.close();
  });

  test('render: flamebearer levels, metadata and timeline', async () => {
    const body = await getJson(`/pyroscope/render?query=shop.cpu&from=${T0}&until=${T0 + 60}`);
    const fb = body.flamebearer;
    assert.deepEqual(fb.names.slice(0, 2), ['total', 'main']);
    // Level 0 is the root: [x, total, self, name]; 14 samples at 10 ms each.
    assert.deepEqual(fb.levels[0], [0, 140_000_000, 0, 0]);
    assert.equal(fb.numTicks, 140_000_000);
    assert.equal(fb.maxSelf, 80_000_000);
    assert.equal(body.metadata.format, 'single');
    assert.equal(body.metadata.units, 'samples');
    assert.equal(body.metadata.sampleRate, 1_000_000_000);
    assert.equal(body.timeline.startTime, T0);
    assert.equal(body.timeline.durationDelta, 10);
    assert.deepEqual(body.timeline.samples.slice(0, 3), [80_000_000, 60_000_000, 0]);
    const byPod = await getJson(`/pyroscope/render?query=shop.cpu&from=${T0}&until=${T0 + 60}&groupBy=pod`);
    assert.deepEqual(Object.keys(byPod.groups).sort(), ['a', 'b']);
    const podB = await getJson(
      `/pyroscope/render?query=${encodeURIComponent('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="shop",pod!="a"}')}&from=${T0}&until=${T0 + 60}`,
    );
    assert.equal(podB.flamebearer.numTicks, 60_000_000);
  });

  test('render-diff: double format with 7-number nodes', async () => {
    const body = await getJson(
      `/pyroscope/render-diff?leftQuery=shop.cpu&leftFrom=${T0}&leftUntil=${T0 + 60}&rightQuery=shop.cpu&rightFrom=${T0 + 600}&rightUntil=${T0 + 660}`,
    );
    assert.equal(body.metadata.format, 'double');
    assert.equal(body.leftTicks, 140_000_000);
    assert.equal(body.rightTicks, 100_000_000);
    assert.equal(body.flamebearer.numTicks, 240_000_000);
    for (const row of body.flamebearer.levels) assert.equal(row.length % 7, 0);
    assert.deepEqual(body.flamebearer.levels[0], [0, 140_000_000, 0, 0, 100_000_000, 0, 0]);
    const idle = body.flamebearer.names.indexOf('idle');
    const row = body.flamebearer.levels[2] as number[];
    const idleNode: number[][] = [];
    for (let i = 0; i < row.length; i += 7) if (row[i + 6] === idle) idleNode.push(row.slice(i + 1, i + 6));
    // idle (under main) ran only on the left: 2 samples there, none on the right.
    assert.deepEqual(idleNode, [[20_000_000, 20_000_000, idleNode[0]?.[2] ?? 0, 0, 0]]);
  });

  test('labels and label values', async () => {
    const names = await getJson(`/pyroscope/labels?query=shop.cpu&from=${T0}&until=${T0 + 3600}`);
    assert.ok(names.includes('pod') && names.includes('service_name'));
    const pods = await getJson(
      `/pyroscope/label-values?label=pod&query=shop.cpu&from=${T0}&until=${T0 + 3600}`,
    );
    assert.deepEqual(pods, ['a', 'b']);
  });

  test('Connect querier endpoints (JSON), as Grafana calls them', async () => {
    const range = { start: T0 * 1000, end: (T0 + 3600) * 1000 };
    const types = await connect('ProfileTypes', range);
    assert.deepEqual(
      types.profileTypes.map((t: { ID: string }) => t.ID),
      ['memory:alloc_space:bytes:space:bytes', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds'],
    );
    assert.equal(types.profileTypes[1].sampleType, 'cpu');
    const names = await connect('LabelNames', { matchers: ['{service_name="shop"}'], ...range });
    assert.ok(names.names.includes('pod'));
    const values = await connect('LabelValues', { name: 'pod', matchers: [], ...range });
    assert.deepEqual(values.names, ['a', 'b']);
    const series = await connect('Series', {
      matchers: ['{service_name="shop",__profile_type__="process_cpu:cpu:nanoseconds:cpu:nanoseconds"}'],
      labelNames: ['pod'],
      ...range,
    });
    assert.deepEqual(series.labelsSet, [
      { labels: [{ name: 'pod', value: 'a' }] },
      { labels: [{ name: 'pod', value: 'b' }] },
    ]);
    const merged = await connect('SelectMergeStacktraces', {
      profileTypeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      labelSelector: '{service_name="shop"}',
      start: T0 * 1000,
      end: (T0 + 60) * 1000,
    });
    assert.equal(merged.flamegraph.total, '140000000');
    assert.deepEqual(merged.flamegraph.levels[0].values, ['0', '140000000', '0', '0']);
    const sel = await connect('SelectSeries', {
      profileTypeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      labelSelector: '{service_name="shop"}',
      start: T0 * 1000,
      end: (T0 + 30) * 1000,
      step: 10,
      groupBy: ['pod'],
    });
    assert.deepEqual(
      sel.series.map((s: any) => [s.labels[0].value, s.points.map((p: any) => p.value)]),
      [
        ['a', [80_000_000, 0, 0]],
        ['b', [0, 60_000_000, 0]],
      ],
    );
    assert.equal(sel.series[0].points[1].timestamp, String((T0 + 10) * 1000));
  });

  test('/api/v1: services and the merged pprof export', async () => {
    const services = await getJson('/api/v1/services');
    assert.deepEqual(services.services, [
      {
        name: 'shop',
        profileTypes: ['memory:alloc_space:bytes:space:bytes', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds'],
      },
    ]);
    const r = await fetch(`${server.url}/api/v1/export?query=shop.cpu&from=${T0}&until=${T0 + 3600}`);
    assert.equal(r.status, 200);
    const profile = importPprof(new Uint8Array(await r.arrayBuffer()), 'export');
    assert.deepEqual(profile.sampleTypes, [{ type: 'cpu', unit: 'nanoseconds' }]);
    assert.equal(
      profile.samples.reduce((s, x) => s + x.values[0], 0),
      240_000_000,
    );
  });

  test('bad queries get 400', async () => {
    for (const path of [
      '/pyroscope/render',
      '/pyroscope/render?query=shop.cpu{pod=~"("}',
      '/pyroscope/render?query={pod="a"}',
      '/pyroscope/render?query=shop.cpu&from=tomorrow-ish',
      '/pyroscope/render?query=shop.cpu&from=200&until=100',
      '/pyroscope/label-values?query=shop.cpu',
    ]) {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 400, path);
    }
    const r = await fetch(`${server.url}/querier.v1.QuerierService/SelectMergeStacktraces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(r.status, 400);
  });
});
