import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from '@ts-graphviz/ast';
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

  test('label-values of __name__ are profile type IDs; render format=dot is a call graph; /ready', async () => {
    const ids = await getJson(`/pyroscope/label-values?label=__name__&from=${T0}&until=${T0 + 3600}`);
    assert.deepEqual(ids, [
      'memory:alloc_space:bytes:space:bytes',
      'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
    ]);
    const r = await fetch(
      `${server.url}/pyroscope/render?query=shop.cpu&from=${T0}&until=${T0 + 3600}&format=dot`,
    );
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const dot = await r.text();
    const graph = parse(dot);
    assert.equal(graph.type, 'Dot');
    assert.match(dot, /^digraph "shop\.cpu" \{/);
    // checkout: 6 + 2 + 4 + 1 + 9 = 22 samples of 10 ms, all below main (24 samples).
    assert.match(dot, /N\d+ \[label="checkout\\n0 \(0\.00%\)\\nof 220000000 \(91\.67%\)"/);
    assert.match(dot, /N1 -> N\d+ \[label=" 220000000"/, 'main calls checkout with all of its value');
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 200);
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
        ['a', [80_000_000]],
        ['b', [60_000_000]],
      ],
      'steps without profiles have no point, as in Pyroscope',
    );
    assert.equal(sel.series[1].points[0].timestamp, String((T0 + 10) * 1000));
  });

  test('Connect: several selectors in `matchers` are ORed (a union of series), as in Pyroscope', async () => {
    const range = { start: T0 * 1000, end: (T0 + 3600) * 1000 };
    const memory = '{__profile_type__="memory:alloc_space:bytes:space:bytes"}';
    const series = await connect('Series', {
      matchers: ['{pod="b"}', memory, '{service_name="nope"}'],
      labelNames: ['__profile_type__', 'pod'],
      ...range,
    });
    assert.deepEqual(series.labelsSet, [
      {
        labels: [
          { name: '__profile_type__', value: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' },
          { name: 'pod', value: 'b' },
        ],
      },
      { labels: [{ name: '__profile_type__', value: 'memory:alloc_space:bytes:space:bytes' }] },
    ]);
    const values = await connect('LabelValues', {
      name: 'pod',
      matchers: ['{pod="a"}', '{pod="b"}'],
      ...range,
    });
    assert.deepEqual(values.names, ['a', 'b']);
    const names = await connect('LabelNames', { matchers: ['{service_name="nope"}', memory], ...range });
    assert.ok(names.names.includes('service_name'));
    assert.ok(!names.names.includes('pod'), 'the alloc_space series has no pod label');
    // Matchers inside one selector stay ANDed.
    const none = await connect('LabelValues', { name: 'pod', matchers: ['{pod="a",pod="b"}'], ...range });
    assert.equal(none.names, undefined, 'protobuf JSON omits an empty list');
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

interface RenderBody {
  flamebearer: { names: string[]; levels: number[][]; numTicks: number };
  timeline: { samples: number[] };
  groups?: Record<string, { samples: number[] }>;
}

describe('render aggregation=avg', () => {
  let server: TestServer;
  const heap = 'memory:inuse_space:bytes:space:bytes{service_name="heap"}';
  const ingest = async (pod: string, from: number, body: string) => {
    const r = await fetch(
      `${server.url}/ingest?name=heap.inuse_space{pod=${pod}}&from=${from}&until=${from + 10}`,
      {
        method: 'POST',
        body,
      },
    );
    assert.equal(r.status, 200, await r.text());
  };
  const render = async (extra: string) => {
    const r = await fetch(
      `${server.url}/pyroscope/render?query=${encodeURIComponent(heap)}&from=${T0}&until=${T0 + 60}${extra}`,
    );
    assert.equal(r.status, 200, await r.clone().text());
    return r.json() as Promise<RenderBody>;
  };
  /** totals maps each frame name to its total width in the flame graph. */
  const totals = (body: RenderBody): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const row of body.flamebearer.levels) {
      for (let i = 0; i < row.length; i += 4) {
        const name = body.flamebearer.names[row[i + 3]];
        out[name] = (out[name] ?? 0) + row[i + 1];
      }
    }
    return out;
  };

  before(async () => {
    server = await startTestServer();
    // Four profiles: pod a twice in the second step (T0+10 and T0+15), pod b once.
    await ingest('a', T0, 'main;buf 100\nmain;cache 300\n');
    await ingest('a', T0 + 10, 'main;buf 200\nmain;cache 600\n');
    await ingest('a', T0 + 15, 'main;cache 100\n');
    await ingest('b', T0 + 10, 'main;buf 300\n');
  });
  after(async () => {
    await server.close();
  });

  test('sum is the default: everything merged adds up', async () => {
    const body = await render('&aggregation=sum');
    assert.deepEqual(totals(body), { total: 1600, main: 1600, buf: 600, cache: 1000 });
    assert.deepEqual(body.timeline.samples.slice(0, 3), [400, 1200, 0]);
  });

  test('avg divides the flame graph by the profiles merged and each step by its own profiles', async () => {
    const body = await render('&aggregation=avg&groupBy=pod');
    assert.deepEqual(totals(body), { total: 400, main: 400, buf: 150, cache: 250 });
    assert.equal(body.flamebearer.numTicks, 400);
    // Step 0: one profile of 400; step 1: three profiles of 800, 100 and 300.
    assert.deepEqual(body.timeline.samples.slice(0, 3), [400, 400, 0]);
    assert.deepEqual(body.groups?.a.samples.slice(0, 3), [400, 450, 0]);
    assert.deepEqual(body.groups?.b.samples.slice(0, 3), [0, 300, 0]);
  });

  test('an unknown aggregation is a 400; an empty range averages to nothing', async () => {
    const r = await fetch(`${server.url}/pyroscope/render?query=${encodeURIComponent(heap)}&aggregation=max`);
    assert.equal(r.status, 400);
    const empty = await fetch(
      `${server.url}/pyroscope/render?query=${encodeURIComponent(heap)}&from=${T0 - 600}&until=${T0 - 60}&aggregation=avg`,
    );
    assert.equal(empty.status, 200);
    assert.equal(((await empty.json()) as RenderBody).flamebearer.numTicks, 0);
  });
});
