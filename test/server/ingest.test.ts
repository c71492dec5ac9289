import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { create, toBinary } from '@bufbuild/protobuf';
import { PushRequestSchema } from '../../src/server/connect/gen/push/v1/push_pb.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';
import { nowSeconds, renderNames, startTestServer, type TestServer } from './harness.js';

const PPROF_DIR = 'pyroscope-AGPL/pkg/og/convert/pprof/testdata';
const JFR_DIR = 'jfr-parser/parser/testdata';

/** multipart builds a form body the way Pyroscope's Go and Java agents do. */
function multipart(fields: Record<string, Uint8Array | string>): { body: Buffer; contentType: string } {
  const boundary = `----autoprof${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('ingest', () => {
  let server: TestServer;
  const now = nowSeconds();
  // Corpus profiles carry their own (2021-2023) timestamps, which the server keeps, as Pyroscope does.
  const window = `from=1500000000&until=${now + 60}`;
  const post = (query: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/ingest?${query}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers,
    });
  const types = async () => {
    const r = await fetch(`${server.url}/api/v1/profile-types`);
    return ((await r.json()) as { profileTypes: string[] }).profileTypes;
  };
  const render = async (query: string) => {
    const r = await fetch(`${server.url}/pyroscope/render?query=${encodeURIComponent(query)}&${window}`);
    assert.equal(r.status, 200);
    return (await r.json()) as { flamebearer: { names: string[]; levels: number[][]; numTicks: number } };
  };

  before(async () => {
    server = await startTestServer({ maxBodyBytes: 4 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024 });
  });
  after(async () => {
    await server.close();
  });

  test('folded: cpu sample counts become nanoseconds at 1e9/sampleRate', async () => {
    const r = await post(
      `name=folded.cpu{env=prod,host.name=a}&from=${now - 10}&until=${now}&sampleRate=100&spyName=x`,
      'main;work;hash 10\nmain;idle 3\n',
    );
    assert.equal(r.status, 200);
    const fb = await render('folded.cpu{env="prod"}');
    assert.equal(fb.flamebearer.numTicks, 13 * 10_000_000);
    assert.ok(renderNames(fb).has('hash'));
    const labels = (await (
      await fetch(`${server.url}/pyroscope/labels?query=folded.cpu&${window}`)
    ).json()) as string[];
    assert.ok(labels.includes('host_name'), 'dots in label names become underscores');
  });

  test('lines: one stack per line, weight one; from/until in milliseconds', async () => {
    const r = await post(
      `name=lines.alloc_objects&format=lines&from=${now * 1000 - 5000}&until=${now * 1000}`,
      'a;b\na;b\na;c\n',
    );
    assert.equal(r.status, 200);
    const fb = await render('memory:alloc_objects:count:space:bytes{service_name="lines"}');
    assert.equal(fb.flamebearer.numTicks, 3);
  });

  test('speedscope JSON', { skip: corporaSkipReason('speedscope') }, async () => {
    const bytes = readFileSync(
      corpusPath('speedscope/sample/profiles/speedscope/0.6.0/two-sampled.speedscope.json'),
    );
    const r = await post(`name=ss.wall&format=speedscope&${window}`, bytes);
    assert.equal(r.status, 200, await r.text());
    const fb = await render('ss.wall');
    assert.ok(fb.flamebearer.numTicks > 0);
  });

  test('Go multipart pprof with sample_type_config: one series per sample type, metric from the config', {
    skip: corporaSkipReason(PPROF_DIR),
  }, async () => {
    for (const [n, app] of [
      [5, 'goheap'],
      [3, 'goblock'],
      [2, 'gorout'],
    ] as const) {
      const form = multipart({
        profile: readFileSync(corpusPath(PPROF_DIR, `req_${n}.pprof`)),
        sample_type_config: readFileSync(corpusPath(PPROF_DIR, `req_${n}.st.json`)),
      });
      const r = await post(`name=${app}{region=eu}&spyName=gospy&${window}`, form.body, {
        'content-type': form.contentType,
      });
      assert.equal(r.status, 200, await r.text());
    }
    const all = await types();
    // req_5's inuse columns are all zero: an all-zero sample type stores nothing.
    assert.ok(!all.includes('memory:inuse_space:bytes:space:bytes'));
    for (const t of [
      'memory:alloc_objects:count:space:bytes',
      'memory:alloc_space:bytes:space:bytes',
      'block:contentions:count:contentions:count',
      'block:delay:nanoseconds:contentions:count',
      'goroutines:goroutine:count:goroutine:count',
    ]) {
      assert.ok(all.includes(t), `${t} in ${all.join(', ')}`);
    }
    const heap = await render('memory:alloc_space:bytes:space:bytes{service_name="goheap",region="eu"}');
    assert.ok(heap.flamebearer.numTicks > 0);
    // prev_profile (cumulative agents) is refused, as Pyroscope does.
    const old = multipart({
      profile: readFileSync(corpusPath(PPROF_DIR, 'req_5.pprof')),
      prev_profile: readFileSync(corpusPath(PPROF_DIR, 'req_5.pprof')),
    });
    assert.equal(
      (await post(`name=old&${window}`, old.body, { 'content-type': old.contentType })).status,
      400,
    );
  });

  test('raw gzipped pprof body (format=pprof)', { skip: corporaSkipReason(PPROF_DIR) }, async () => {
    const r = await post(
      `name=rawcpu&format=pprof&${window}`,
      readFileSync(corpusPath(PPROF_DIR, 'cpu.pb.gz')),
    );
    assert.equal(r.status, 200, await r.text());
    const fb = await render('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="rawcpu"}');
    assert.ok(fb.flamebearer.numTicks > 0);
    assert.ok(renderNames(fb).has('runtime.main'));
  });

  test('Java JFR with its labels snapshot (multipart jfr + labels)', {
    skip: corporaSkipReason(JFR_DIR),
  }, async () => {
    const form = multipart({
      jfr: readFileSync(corpusPath(JFR_DIR, 'dump1.jfr.gz')),
      labels: readFileSync(corpusPath(JFR_DIR, 'dump1.labels.pb.gz')),
    });
    const r = await post(
      `name=javaapp{env=prod}&format=jfr&spyName=javaspy&sampleRate=100&${window}`,
      form.body,
      {
        'content-type': form.contentType,
      },
    );
    assert.equal(r.status, 200, await r.text());
    const javaTypes = (await types()).filter((t) => /^(process_cpu|wall|memory|mutex|block):/.test(t));
    assert.ok(javaTypes.length > 0);
    const series = await (
      await fetch(`${server.url}/querier.v1.QuerierService/Series`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: ['{service_name="javaapp"}'] }),
      })
    ).json();
    const names = new Set(
      (series as { labelsSet: Array<{ labels: Array<{ name: string }> }> }).labelsSet.flatMap((s) =>
        s.labels.map((l) => l.name),
      ),
    );
    // dump1's snapshot carries span and profile labels; they become series labels.
    assert.ok(names.size > 4, `labels from the snapshot: ${[...names].join(',')}`);
    const cpu = await render('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="javaapp"}');
    assert.ok(cpu.flamebearer.numTicks > 0);
  });

  test('Connect push, binary and JSON', { skip: corporaSkipReason(PPROF_DIR) }, async () => {
    const raw = readFileSync(corpusPath(PPROF_DIR, 'cpu.pb.gz'));
    const series = [
      {
        labels: [
          { name: '__name__', value: 'process_cpu' },
          { name: 'service_name', value: 'pushed' },
          { name: 'env', value: 'prod' },
        ],
        samples: [{ rawProfile: new Uint8Array(raw), ID: 'b2d6f1a4' }],
      },
    ];
    const bin = await fetch(`${server.url}/push.v1.PusherService/Push`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: toBinary(PushRequestSchema, create(PushRequestSchema, { series })),
    });
    assert.equal(bin.status, 200, await bin.text());
    const json = await fetch(`${server.url}/push.v1.PusherService/Push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        series: [
          {
            labels: [{ name: 'service_name', value: 'pushedjson' }],
            samples: [{ rawProfile: raw.toString('base64'), ID: 'x' }],
          },
        ],
      }),
    });
    assert.equal(json.status, 200, await json.text());
    const a = await render('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="pushed",env="prod"}');
    const b = await render('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="pushedjson"}');
    assert.ok(a.flamebearer.numTicks > 0);
    assert.equal(a.flamebearer.numTicks, b.flamebearer.numTicks);
  });

  test('malformed input gets a 4xx and the server keeps serving', async () => {
    const cases: Array<[string, string | Uint8Array, number, Record<string, string>?]> = [
      [`format=pprof&name=bad`, 'not a protobuf at all', 422],
      [`format=jfr&name=bad`, 'FLR\0garbage', 422],
      [`format=folded&name=bad`, 'no counts here\nnor here\n', 422],
      [
        `format=speedscope&name=bad`,
        '{"$schema": "https://www.speedscope.app/file-format-schema.json", "profiles": 3}',
        422,
      ],
      [`format=folded`, 'a 1', 400],
      [`name=bad{x=1&format=folded`, 'a 1', 400],
      [`name=bad&from=yesterday-ish`, 'a 1', 400],
      [`name=bad&format=nope`, 'a 1', 400],
      [`name=bad&format=pprof`, gzipSync(Buffer.alloc(64 * 1024 * 1024)), 413],
      [`name=bad&format=folded`, Buffer.alloc(5 * 1024 * 1024, 0x61), 413],
      [`name=bad`, 'x', 400, { 'content-type': 'multipart/form-data' }],
    ];
    for (const [query, body, status, headers] of cases) {
      const r = await post(query, body, headers);
      assert.equal(r.status, status, `${query} -> ${r.status} ${await r.text()}`);
    }
    const tooMany = Array.from({ length: 31 }, (_, i) => `l${i}=v`).join(',');
    assert.equal((await post(`name=bad{${tooMany}}`, 'a 1')).status, 400);
    assert.equal((await post(`name=bad{k=${'v'.repeat(2049)}}`, 'a 1')).status, 400);
    const push = await fetch(`${server.url}/push.v1.PusherService/Push`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: new Uint8Array([0x0a, 0xff, 0xff, 0x01]),
    });
    assert.equal(push.status, 400);
    assert.equal(((await push.json()) as { code: string }).code, 'invalid_argument');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await post(`name=stillok&${window}`, 'main 1')).status, 200);
  });
});
