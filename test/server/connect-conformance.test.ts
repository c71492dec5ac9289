import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DescMethodUnary } from '@bufbuild/protobuf';
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import { Code, type ConnectError, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { exportToPprof, importPprof } from '../../src/formats/pprof.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import type { Label } from '../../src/model/profile.js';
import { buildServer } from '../../src/server/app.js';
import { ProfileSchema } from '../../src/server/connect/gen/google/v1/profile_pb.js';
import { PusherService } from '../../src/server/connect/gen/push/v1/push_pb.js';
import { ProfileFormat, QuerierService } from '../../src/server/connect/gen/querier/v1/querier_pb.js';
import { SettingsService } from '../../src/server/connect/gen/settings/v1/setting_pb.js';
import { TimeSeriesAggregationType } from '../../src/server/connect/gen/types/v1/types_pb.js';
import { listenGrpc } from '../../src/server/connect/grpc-listener.js';
import { decodeTree } from '../../src/server/ingest/tree-format.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import { runCli } from '../cli.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Conformance of the Connect API with what Pyroscope's clients send: the official Node client
 * (@connectrpc/connect-node) in binary and in JSON mode, and raw requests shaped exactly like
 * connect-go's (Grafana's Pyroscope data source), over every RPC autoprof serves.
 */

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const TENANT = 'team-a';
const READ_TOKEN = 'read-secret';
const PUSH_TOKEN = 'push-secret';
// Whole seconds, ten minutes ago: inside every default range and the one-hour queries below.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
const SPAN_A = '9a517183f26a089d';
const SPAN_B = '5a4fe264a9c987fe';

type Stack = [frames: string[], value: number, labels?: Record<string, string>];

/** pprof builds a gzipped CPU pprof (nanoseconds) taken at `timeMs`, as SDKs push them. */
function pprof(stacks: Stack[], timeMs: number): Uint8Array {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  for (const [frames, value, labels] of stacks) {
    const pprofLabels: Label[] = Object.entries(labels ?? {}).map(([key, str]) => ({ key, str }));
    b.addStackRootFirst(frames, [value], pprofLabels.length > 0 ? pprofLabels : undefined);
  }
  const profile = b.build();
  profile.periodType = { type: 'cpu', unit: 'nanoseconds' };
  profile.period = 10_000_000;
  profile.timeNanos = timeMs * 1e6;
  profile.durationNanos = 10e9;
  return exportToPprof(profile);
}

function pushSeries(labels: Record<string, string>, stacks: Stack[], timeMs: number) {
  return {
    labels: Object.entries({ __name__: 'process_cpu', ...labels }).map(([name, value]) => ({ name, value })),
    samples: [{ rawProfile: pprof(stacks, timeMs), ID: `${labels.service_name}-${timeMs}` }],
  };
}

/** WIDE_FUNCTIONS makes one service's answers larger than Connect's 1 KiB compression threshold. */
const WIDE_FUNCTIONS = 200;

const PUSHES = [
  pushSeries(
    { service_name: 'checkout', pod: 'a' },
    [
      [['main', 'handleRequest', 'hashPassword'], 30],
      [['main', 'handleRequest', 'renderJson'], 10],
    ],
    T0,
  ),
  pushSeries(
    { service_name: 'checkout', pod: 'b' },
    [[['main', 'handleRequest', 'renderJson'], 20]],
    T0 + 20_000,
  ),
  pushSeries({ service_name: 'search', pod: 'c' }, [[['main', 'searchIndex'], 5]], T0),
  pushSeries(
    { service_name: 'traced' },
    [
      [['main', 'serve', 'spanWorkA'], 7, { span_id: SPAN_A }],
      [['main', 'serve', 'spanWorkB'], 3, { span_id: SPAN_B }],
    ],
    T0,
  ),
  pushSeries(
    { service_name: 'wide' },
    Array.from({ length: WIDE_FUNCTIONS }, (_, i): Stack => [['main', `wideFunction${i}`], i + 1]),
    T0,
  ),
];

/** Call is one way of calling a unary RPC; the same checks run through each. */
type Call = <I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
) => Promise<MessageShape<O>>;

const readHeaders = { authorization: `Bearer ${READ_TOKEN}`, 'x-scope-orgid': TENANT };

function transportCall(transport: Transport, headers: Record<string, string> = readHeaders): Call {
  return async (method, request) =>
    (await transport.unary(method, undefined, 10_000, headers, request)).message;
}

/** connectGoHeaders: what connect-go's default client (Grafana's backend) sends on a unary call. */
const connectGoHeaders = {
  'content-type': 'application/proto',
  'connect-protocol-version': '1',
  'accept-encoding': 'gzip',
  'user-agent': 'connect-go/1.16.2 (go1.22.4)',
};

async function rawPost(url: string, path: string, body: Uint8Array, headers: Record<string, string>) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...connectGoHeaders, ...headers },
    body: Buffer.from(body),
  });
}

function pathOf(method: { parent: { typeName: string }; name: string }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** rawCall posts the binary message as connect-go does and decodes the answer with the descriptor. */
function rawCall(url: string): Call {
  return async (method, request) => {
    const r = await rawPost(
      url,
      pathOf(method),
      toBinary(method.input, create(method.input, request)),
      readHeaders,
    );
    const bytes = new Uint8Array(await r.arrayBuffer());
    assert.equal(r.status, 200, `${method.name}: ${Buffer.from(bytes).toString()}`);
    assert.equal(r.headers.get('content-type'), 'application/proto', method.name);
    return fromBinary(method.output, bytes);
  };
}

function flameNames(fg: { names: string[]; levels: Array<{ values: bigint[] }> } | undefined): Set<string> {
  const out = new Set<string>();
  for (const level of fg?.levels ?? []) {
    for (let i = 0; i + 3 < level.values.length; i += 4) {
      if (level.values[i + 1] > 0n) out.add(fg!.names[Number(level.values[i + 3])]);
    }
  }
  return out;
}

const range = { start: BigInt(T0 - 60_000), end: BigInt(T0 + 60_000) };
const checkout = '{service_name="checkout"}';

/** runChecks is the conformance list: every RPC, its decoded content. */
async function runChecks(call: Call, dir: string, label: string, spawnTop = false): Promise<void> {
  const types = await call(QuerierService.method.profileTypes, range);
  const cpu = types.profileTypes.find((t) => t.ID === CPU);
  assert.ok(cpu, `${label}: ProfileTypes lists ${CPU}`);
  assert.equal(cpu.sampleType, 'cpu');
  assert.equal(cpu.periodUnit, 'nanoseconds');

  const names = await call(QuerierService.method.labelNames, { matchers: [checkout], ...range });
  assert.ok(names.names.includes('pod') && names.names.includes('service_name'), label);
  const pods = await call(QuerierService.method.labelValues, { name: 'pod', ...range });
  assert.deepEqual(pods.names, ['a', 'b', 'c'], label);
  const services = await call(QuerierService.method.labelValues, {
    name: 'service_name',
    matchers: ['{pod="a"}', '{pod="c"}'],
    ...range,
  });
  assert.deepEqual(services.names, ['checkout', 'search'], `${label}: matchers are ORed`);

  const series = await call(QuerierService.method.series, {
    matchers: [checkout],
    labelNames: ['pod'],
    ...range,
  });
  assert.deepEqual(
    series.labelsSet.map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(',')),
    ['pod=a', 'pod=b'],
    label,
  );

  const select = { profileTypeID: CPU, labelSelector: checkout, ...range };
  const merged = await call(QuerierService.method.selectMergeStacktraces, select);
  assert.equal(merged.flamegraph?.total, 60n, `${label}: 30 + 10 + 20 ns merged`);
  const mergedNames = flameNames(merged.flamegraph);
  for (const fn of ['main', 'handleRequest', 'hashPassword', 'renderJson'])
    assert.ok(mergedNames.has(fn), fn);
  assert.ok(!mergedNames.has('searchIndex'), `${label}: the selector keeps search out`);

  const small = await call(QuerierService.method.selectMergeStacktraces, {
    profileTypeID: CPU,
    labelSelector: '{service_name="wide"}',
    ...range,
    maxNodes: 10n,
  });
  const smallNames = flameNames(small.flamegraph);
  assert.ok(smallNames.size <= 12, `${label}: max_nodes=10 keeps ${smallNames.size} names`);
  assert.ok(smallNames.has('other'), `${label}: the rest folds into other`);
  assert.ok(smallNames.has(`wideFunction${WIDE_FUNCTIONS - 1}`), 'the largest function is kept');

  const tree = await call(QuerierService.method.selectMergeStacktraces, {
    ...select,
    format: ProfileFormat.TREE,
  });
  assert.equal(tree.flamegraph, undefined);
  const stacks = decodeTree(tree.tree);
  const byStack = new Map(stacks.stacks.map((s, i) => [s.join(';'), stacks.values[i]]));
  assert.equal(byStack.get('main;handleRequest;hashPassword'), 30, label);
  assert.equal(byStack.get('main;handleRequest;renderJson'), 30, label);

  const focused = await call(QuerierService.method.selectMergeStacktraces, {
    ...select,
    stackTraceSelector: { callSite: [{ name: 'main' }, { name: 'handleRequest' }, { name: 'hashPassword' }] },
  });
  assert.equal(focused.flamegraph?.total, 30n, `${label}: a call site keeps only the stacks below it`);
  assert.ok(!flameNames(focused.flamegraph).has('renderJson'), label);

  const profile = await call(QuerierService.method.selectMergeProfile, select);
  const pprofBytes = toBinary(ProfileSchema, profile);
  const imported = importPprof(pprofBytes, label);
  assert.equal(
    imported.samples.reduce((sum, x) => sum + x.values[0], 0),
    60,
    `${label}: the merged pprof holds every sample`,
  );
  if (spawnTop) {
    // Once, through the real CLI, as a user would read what Grafana's "export pprof" saved.
    const file = join(dir, `merged-${label}.pb`);
    writeFileSync(file, pprofBytes);
    const top = await runCli(['top', file, '--json'], { timeoutMs: 120_000 });
    assert.equal(top.code, 0, top.stderr);
    const text = JSON.stringify(JSON.parse(top.stdout));
    assert.ok(
      text.includes('hashPassword') && text.includes('renderJson'),
      `${label}: autoprof top reads it`,
    );
  }

  const perPod = await call(QuerierService.method.selectSeries, { ...select, groupBy: ['pod'], step: 10 });
  assert.deepEqual(
    perPod.series.map((s) => [s.labels.map((l) => l.value).join(), s.points.map((p) => p.value)]),
    [
      ['a', [40]],
      ['b', [20]],
    ],
    label,
  );
  assert.equal(
    perPod.series[1].points[0].timestamp,
    BigInt(T0 + 20_000),
    `${label}: the step of pod b's profile`,
  );
  const top1 = await call(QuerierService.method.selectSeries, {
    ...select,
    groupBy: ['pod'],
    step: 10,
    limit: 1n,
  });
  assert.deepEqual(
    top1.series.map((s) => s.labels[0].value),
    ['a'],
    `${label}: limit keeps the top series by total`,
  );
  const average = await call(QuerierService.method.selectSeries, {
    ...select,
    step: 60,
    aggregation: TimeSeriesAggregationType.AVERAGE,
  });
  assert.deepEqual(
    average.series.flatMap((s) => s.points.map((p) => p.value)),
    [30],
    `${label}: two profiles of 40 and 20 in one step average to 30`,
  );

  const spans = await call(QuerierService.method.selectMergeSpanProfile, {
    profileTypeID: CPU,
    labelSelector: '{service_name="traced"}',
    spanSelector: [SPAN_A],
    ...range,
  });
  const spanNames = flameNames(spans.flamegraph);
  assert.ok(spanNames.has('spanWorkA'), `${label}: the span's own stack`);
  assert.ok(!spanNames.has('spanWorkB'), `${label}: another span's stack is not merged`);
  assert.equal(spans.flamegraph?.total, 7n);

  const diff = await call(QuerierService.method.diff, {
    left: { profileTypeID: CPU, labelSelector: '{pod="a"}', ...range },
    right: { profileTypeID: CPU, labelSelector: '{pod="b"}', ...range },
  });
  assert.equal(diff.flamegraph?.leftTicks, 40n, label);
  assert.equal(diff.flamegraph?.rightTicks, 20n, label);
  assert.ok(diff.flamegraph?.names.includes('hashPassword'));
  assert.equal((diff.flamegraph?.levels[0]?.values.length ?? 0) % 7, 0, 'seven numbers per diff node');

  const stats = await call(QuerierService.method.getProfileStats, {});
  assert.equal(stats.dataIngested, true);
  assert.ok(stats.oldestProfileTime <= BigInt(T0) && stats.oldestProfileTime > BigInt(T0 - 2000), label);
  assert.ok(stats.newestProfileTime >= BigInt(T0 + 19_000), `${label}: newest ${stats.newestProfileTime}`);

  const analysis = await call(QuerierService.method.analyzeQuery, { query: `${CPU}${checkout}`, ...range });
  assert.equal(analysis.queryScopes[0]?.seriesCount, 2n, label);
  assert.equal(analysis.queryScopes[0]?.profileCount, 2n, label);
  assert.equal(analysis.queryImpact?.totalQueriedSeries, 2n);

  const settings = await call(SettingsService.method.get, {});
  assert.deepEqual(settings.settings, []);
}

describe('Connect API conformance (Pyroscope clients)', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autoprof-connect-'));
    server = await startTestServer({ readTokens: [READ_TOKEN], ingestTokens: [PUSH_TOKEN] });
    const pushHeaders = { authorization: `Bearer ${PUSH_TOKEN}`, 'x-scope-orgid': TENANT };
    // One push per client kind: connect-node binary, connect-node JSON, raw connect-go with a gzip body.
    const binary = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useBinaryFormat: true });
    const json = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useBinaryFormat: false });
    await transportCall(binary, pushHeaders)(PusherService.method.push, { series: PUSHES.slice(0, 2) });
    await transportCall(json, pushHeaders)(PusherService.method.push, { series: PUSHES.slice(2, 4) });
    const raw = toBinary(
      PusherService.method.push.input,
      create(PusherService.method.push.input, { series: PUSHES.slice(4) }),
    );
    const r = await rawPost(server.url, pathOf(PusherService.method.push), gzipSync(raw), {
      ...pushHeaders,
      'content-encoding': 'gzip',
    });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get('content-type'), 'application/proto');
    assert.equal((await r.arrayBuffer()).byteLength, 0, 'an empty PushResponse is an empty body');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('@connectrpc/connect-node, binary codec: every RPC', async () => {
    const transport = createConnectTransport({
      baseUrl: server.url,
      httpVersion: '1.1',
      useBinaryFormat: true,
    });
    await runChecks(transportCall(transport), dir, 'binary', true);
  });

  test('@connectrpc/connect-node, JSON codec: every RPC', async () => {
    const transport = createConnectTransport({
      baseUrl: server.url,
      httpVersion: '1.1',
      useBinaryFormat: false,
    });
    await runChecks(transportCall(transport), dir, 'json');
  });

  test('raw requests shaped like connect-go (Grafana): every RPC', async () => {
    await runChecks(rawCall(server.url), dir, 'connect-go');
  });

  test('gRPC-web (profilecli --protocol=grpc-web) answers the same', async () => {
    const transport = createGrpcWebTransport({
      baseUrl: server.url,
      httpVersion: '1.1',
      useBinaryFormat: true,
    });
    const types = await transportCall(transport)(QuerierService.method.profileTypes, range);
    assert.ok(types.profileTypes.some((t) => t.ID === CPU));
  });

  test('empty bodies, compression, and the tenant boundary', async () => {
    const empty = await rawPost(
      server.url,
      pathOf(QuerierService.method.profileTypes),
      new Uint8Array(0),
      readHeaders,
    );
    assert.equal(empty.status, 200);
    assert.equal(empty.headers.get('content-type'), 'application/proto');
    const all = fromBinary(
      QuerierService.method.profileTypes.output,
      new Uint8Array(await empty.arrayBuffer()),
    );
    assert.ok(
      all.profileTypes.some((t) => t.ID === CPU),
      'an empty request is the default (no range)',
    );

    const settings = await rawPost(
      server.url,
      pathOf(SettingsService.method.get),
      new Uint8Array(0),
      readHeaders,
    );
    assert.equal(settings.status, 200);
    assert.equal((await settings.arrayBuffer()).byteLength, 0, 'an empty answer is an empty body in proto');

    const jsonEmpty = await fetch(`${server.url}${pathOf(SettingsService.method.get)}`, {
      method: 'POST',
      headers: { ...readHeaders, 'content-type': 'application/json', 'connect-protocol-version': '1' },
      body: '{}',
    });
    assert.equal(jsonEmpty.headers.get('content-type'), 'application/json');
    assert.deepEqual(await jsonEmpty.json(), {});

    const wide = toBinary(
      QuerierService.method.selectMergeStacktraces.input,
      create(QuerierService.method.selectMergeStacktraces.input, {
        profileTypeID: CPU,
        labelSelector: '{service_name="wide"}',
        ...range,
      }),
    );
    const big = await rawPost(
      server.url,
      pathOf(QuerierService.method.selectMergeStacktraces),
      wide,
      readHeaders,
    );
    assert.equal(big.status, 200);
    assert.equal(big.headers.get('content-encoding'), 'gzip', 'a large answer is gzipped when asked');
    const fg = fromBinary(
      QuerierService.method.selectMergeStacktraces.output,
      new Uint8Array(await big.arrayBuffer()),
    );
    assert.equal(flameNames(fg.flamegraph).size, WIDE_FUNCTIONS + 2, 'total, main and every function');

    const other = transportCall(createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }), {
      authorization: `Bearer ${READ_TOKEN}`,
      'x-scope-orgid': 'team-b',
    });
    const none = await other(QuerierService.method.profileTypes, range);
    assert.deepEqual(none.profileTypes, [], 'another tenant sees nothing');
  });

  test('errors: Connect bodies with string codes and their HTTP statuses', async () => {
    const cases: Array<[string, Uint8Array, Record<string, string>, number, string]> = [
      [
        'selector syntax error',
        toBinary(
          QuerierService.method.selectMergeStacktraces.input,
          create(QuerierService.method.selectMergeStacktraces.input, {
            profileTypeID: CPU,
            labelSelector: '{service_name=}',
            ...range,
          }),
        ),
        readHeaders,
        400,
        'invalid_argument',
      ],
      [
        'bad profile type',
        toBinary(
          QuerierService.method.selectMergeStacktraces.input,
          create(QuerierService.method.selectMergeStacktraces.input, { profileTypeID: 'cpu', ...range }),
        ),
        readHeaders,
        400,
        'invalid_argument',
      ],
      ['undecodable body', new Uint8Array([0x0a, 0xff, 0xff, 0x01]), readHeaders, 400, 'invalid_argument'],
      ['no token', new Uint8Array(0), { 'x-scope-orgid': TENANT }, 401, 'unauthenticated'],
      ['wrong token', new Uint8Array(0), { authorization: 'Bearer nope' }, 401, 'unauthenticated'],
      ['bad tenant', new Uint8Array(0), { ...readHeaders, 'x-scope-orgid': '../x' }, 400, 'invalid_argument'],
    ];
    for (const [what, body, headers, status, code] of cases) {
      const r = await rawPost(
        server.url,
        pathOf(QuerierService.method.selectMergeStacktraces),
        body,
        headers,
      );
      assert.equal(r.status, status, what);
      assert.equal(r.headers.get('content-type'), 'application/json', what);
      const error = (await r.json()) as { code: string; message: string };
      assert.equal(error.code, code, what);
      assert.ok(error.message.length > 0, what);
    }
    // Access is checked from the headers before any body is read: a request whose body never
    // ends is still answered.
    const early = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}${pathOf(QuerierService.method.profileTypes)}`, {
        method: 'POST',
        headers: { ...connectGoHeaders, 'content-length': String(64 * 1024 * 1024) },
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer before the body ended'));
      }, 10_000);
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode, body });
          req.destroy();
        });
      });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(1024));
    });
    assert.equal(early.status, 401);
    assert.equal(JSON.parse(early.body).code, 'unauthenticated');
    const grpcWeb = createGrpcWebTransport({ baseUrl: server.url, httpVersion: '1.1' });
    await assert.rejects(
      transportCall(grpcWeb, {})(QuerierService.method.profileTypes, range),
      (err: ConnectError) => err.code === Code.Unauthenticated,
    );
    const push = await rawPost(server.url, pathOf(PusherService.method.push), new Uint8Array(0), readHeaders);
    assert.equal(push.status, 401, 'pushing needs the ingest token, not the read token');
    const badProfile = toBinary(
      PusherService.method.push.input,
      create(PusherService.method.push.input, {
        series: [
          {
            labels: [{ name: 'service_name', value: 'x' }],
            samples: [{ rawProfile: new Uint8Array([1, 2, 3]) }],
          },
        ],
      }),
    );
    const bad = await rawPost(server.url, pathOf(PusherService.method.push), badProfile, {
      authorization: `Bearer ${PUSH_TOKEN}`,
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'invalid_argument');
    assert.equal((await fetch(`${server.url}/ready`)).status, 200, 'the server keeps serving');
  });
});

describe('gRPC over h2c (--grpc-listen)', () => {
  test('grpc-go-style clients: push and query on the HTTP/2 listener, same auth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'autoprof-grpc-'));
    const store = await openDuckDbStore({ dir });
    const app = await buildServer({ store, readTokens: [READ_TOKEN], ingestTokens: [PUSH_TOKEN] });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = await listenGrpc(app, '127.0.0.1', 0);
      const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${address.port}` });
      await transportCall(transport, { authorization: `Bearer ${PUSH_TOKEN}`, 'x-scope-orgid': TENANT })(
        PusherService.method.push,
        { series: PUSHES.slice(0, 1) },
      );
      const merged = await transportCall(transport)(QuerierService.method.selectMergeStacktraces, {
        profileTypeID: CPU,
        labelSelector: checkout,
        ...range,
      });
      assert.equal(merged.flamegraph?.total, 40n);
      assert.ok(flameNames(merged.flamegraph).has('hashPassword'));
      await assert.rejects(
        transportCall(transport, {})(QuerierService.method.profileTypes, range),
        (err: ConnectError) => err.code === Code.Unauthenticated,
      );
      await assert.rejects(
        transportCall(transport)(QuerierService.method.selectMergeStacktraces, {
          profileTypeID: CPU,
          labelSelector: '{service_name=}',
        }),
        (err: ConnectError) => err.code === Code.InvalidArgument,
      );
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
