import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../cli.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Diagnosis of stored profiles from real programs profiled by `autoprof run` and pushed as
 * pprof: the bundled example (CPU-bound, a JSON round-trip), a Node session cache that churns the heap
 * (GC-heavy) and a Java program whose threads serialise on one monitor (lock-heavy, JFR).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/diagnosis');
const work = mkdtempSync(join(tmpdir(), 'autoprof-stored-'));

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const javaSkip = hasCommand('javac') && hasCommand('java') ? undefined : 'javac/java is not installed';

/** profileRun runs `autoprof run` on a command and returns its merged profile. */
async function profileRun(name: string, collectors: string, command: string[]): Promise<Buffer> {
  const out = join(work, name);
  const r = await runCli(['run', '--out', out, '--collectors', collectors, '--', ...command], {
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(join(out, 'profile.pb.gz'));
}

async function push(server: TestServer, service: string, profile: Buffer, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const r = await fetch(`${server.url}/ingest?name=${service}&format=pprof`, {
      method: 'POST',
      body: new Uint8Array(profile),
    });
    assert.equal(r.status, 200, await r.text());
  }
}

describe('diagnosis of stored profiles', () => {
  let withSource: TestServer;
  let namesOnly: TestServer;
  before(async () => {
    // One at a time: profilers running at once on two cores would measure each other.
    const profiles: Array<[string, Buffer]> = [
      [
        'orders',
        await profileRun('orders', 'system,node', ['node', join(ROOT, 'examples/order-service.mjs'), '1500']),
      ],
      [
        'events',
        await profileRun('events', 'system,node', [
          'node',
          join(ROOT, 'test/server/fixtures/session-churn.mjs'),
          '1.5',
        ]),
      ],
    ];
    if (!javaSkip) {
      const classes = join(work, 'classes');
      mkdirSync(classes, { recursive: true });
      execFileSync('javac', ['-g', '-d', classes, join(FIXTURES, 'lock-contention/InventoryService.java')]);
      profiles.push([
        'inventory',
        await profileRun('inventory', 'system,jvm', ['java', '-cp', classes, 'InventoryService', '1.5']),
      ]);
    } else console.log(`# java service skipped: ${javaSkip}`);
    withSource = await startTestServer({ sourceRoots: [join(ROOT, 'examples'), FIXTURES] });
    namesOnly = await startTestServer();
    for (const [service, profile] of profiles) {
      // The same profile pushed three times, as an agent would push three periods.
      await push(withSource, service, profile, 3);
      await push(namesOnly, service, profile, 3);
    }
  });
  after(async () => {
    await withSource?.close();
    await namesOnly?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const findings = async (server: TestServer, service: string) => {
    const query = encodeURIComponent(
      `process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="${service}"}`,
    );
    const r = await fetch(`${server.url}/api/v1/findings?query=${query}&from=now-1h`);
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as any;
  };

  test("the demo's profile: the serialization finding in serializeRoundTrip, cpu-bound with true cores", async () => {
    const doc = await findings(withSource, 'orders');
    const ser = doc.findings.find((f: any) => f.category === 'serialization');
    assert.ok(ser, JSON.stringify(doc.findings.map((f: any) => [f.pattern_id, f.location.function])));
    assert.equal(ser.location.function, 'serializeRoundTrip');
    assert.match(ser.location.file, /examples\/order-service\.mjs$/);
    assert.ok(ser.evidence.cpu_share.value > 40, JSON.stringify(ser.evidence));
    assert.equal(doc.classification.kind, 'cpu-bound');
    // A single-threaded loop: about one core while profiled (0.99 measured; a loaded machine gives less).
    const cores = doc.classification.evidence.cpu_cores.value;
    assert.ok(cores > 0.5 && cores <= 1.2, doc.classification.summary);
    assert.match(doc.classification.summary, new RegExp(`${cores.toFixed(2)} cores`));
  });

  test('without the source the hotspot is still named and the source patterns are listed as unchecked', async () => {
    const doc = await findings(namesOnly, 'orders');
    assert.equal(doc.findings[0].location.function, 'serializeRoundTrip');
    assert.equal(doc.findings[0].category, 'cpu-hotspot');
    const unchecked = doc.unchecked.find((u: any) => u.pattern_id === 'node-json-serialization');
    assert.match(unchecked?.needs ?? '', /source lines/);
    assert.equal(doc.classification.kind, 'cpu-bound');
  });

  test('autoprof triage classifies each service and names its top function', async () => {
    const [r, table] = await Promise.all([
      runCli(['triage', '--server', namesOnly.url, '--json']),
      runCli(['triage', '--server', namesOnly.url]),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { services } = JSON.parse(r.stdout) as { services: any[] };
    const by = new Map(services.map((s) => [s.service, s]));
    const expect = (service: string, kind: string, fns: string[]) => {
      const s = by.get(service);
      assert.ok(s, `${service} missing: ${[...by.keys()]}`);
      assert.equal(s.classification.kind, kind, `${service}: ${s.classification.summary}`);
      assert.ok(fns.includes(s.top_own.function), `${service}: ${JSON.stringify(s.top_own)}`);
    };
    expect('orders', 'cpu-bound', ['serializeRoundTrip']);
    // The session is built in buildSession; V8 may inline part of it into handleRequest.
    expect('events', 'gc-bound', ['handleRequest', 'buildSession']);
    assert.match(by.get('events').classification.summary, /garbage collection takes \d+(\.\d+)?% of CPU/);
    if (!javaSkip) {
      expect('inventory', 'lock-bound', ['InventoryService.reserveStock']);
      assert.match(by.get('inventory').classification.summary, /wait on locks \d+\.\d+ s per second/);
    }
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^SERVICE\s+BOUND\s+TOP SELF/m);
    assert.match(table.stdout, /^orders\s+cpu-bound\s+serializeRoundTrip/m);
  });

  test('autoprof top --server ranks functions fleet-wide with their service', async () => {
    const [r, mutex, bad, down] = await Promise.all([
      runCli(['top', '--server', namesOnly.url, '--type', 'cpu', '--json']),
      runCli(['top', '--server', namesOnly.url, '--type', 'mutex', '--json']),
      runCli(['top', '--server', namesOnly.url, '--type', 'bogus']),
      runCli(['triage', '--server', 'http://127.0.0.1:1']),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { functions } = JSON.parse(r.stdout) as { functions: any[] };
    assert.ok(functions.length > 3);
    for (let i = 1; i < functions.length; i++) assert.ok(functions[i - 1].self >= functions[i].self);
    assert.ok(functions.some((f) => f.function === 'serializeRoundTrip' && f.service === 'orders'));
    if (!javaSkip) {
      assert.equal(mutex.code, 0, mutex.stderr);
      const rows = JSON.parse(mutex.stdout).functions as any[];
      assert.equal(rows[0].service, 'inventory');
      assert.equal(rows[0].unit, 'nanoseconds');
    }
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /answered 400: bad 'type'/);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
