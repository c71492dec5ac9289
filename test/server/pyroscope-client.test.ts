import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nowSeconds, renderNames, startTestServer, type TestServer } from './harness.js';

const APP = fileURLToPath(new URL('./fixtures/pyroscope-node-app.mjs', import.meta.url));

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function runApp(appName: string, busyMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [APP, server.url, appName, String(busyMs)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBUG: 'pyroscope' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('the real @pyroscope/nodejs SDK pushes, and render shows its busy function', async () => {
  const started = nowSeconds();
  const { code, stderr } = await runApp('node-sdk-app', 4000);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /rejected/i, stderr);
  const types = (
    (await (await fetch(`${server.url}/api/v1/services`)).json()) as {
      services: Array<{ name: string; profileTypes: string[] }>;
    }
  ).services.find((s) => s.name === 'node-sdk-app')?.profileTypes;
  assert.ok(types && types.length > 0, 'the SDK app is listed as a service');
  assert.ok(types.includes('wall:wall:nanoseconds:wall:nanoseconds'), types.join(', '));
  const window = `from=${started - 60}&until=${nowSeconds() + 60}`;
  const query = encodeURIComponent(
    'wall:wall:nanoseconds:wall:nanoseconds{service_name="node-sdk-app",region="test"}',
  );
  const r = await fetch(`${server.url}/pyroscope/render?query=${query}&${window}`);
  assert.equal(r.status, 200);
  const body = (await r.json()) as { flamebearer: { names: string[]; levels: number[][]; numTicks: number } };
  assert.ok(body.flamebearer.numTicks > 0);
  // The Node SDK names frames `file:function:line`.
  const hasBusy = (names: Set<string>) => [...names].some((n) => n.includes(':autoprofBusyHash:'));
  assert.ok(
    hasBusy(renderNames(body)),
    `busy function among ${body.flamebearer.names.slice(0, 30).join(', ')}`,
  );
  // The CPU time the SDK collects next to wall time lands as its own profile type.
  const cpuType = types.find((t) => t.startsWith('wall:cpu:nanoseconds'));
  if (cpuType) {
    const cpu = await fetch(
      `${server.url}/pyroscope/render?query=${encodeURIComponent(`${cpuType}{service_name="node-sdk-app"}`)}&${window}`,
    );
    assert.ok(hasBusy(renderNames((await cpu.json()) as typeof body)));
  }
});
