import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nowSeconds, renderNames } from './harness.js';

const ENTRY = fileURLToPath(new URL('./fixtures/server-entry.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'autoprof-durability-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** startServer spawns `autoprof server` and resolves with its URL once it listens. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, '--data', dataDir, '--listen', '127.0.0.1:0'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

/** exited resolves once the child is gone, also when it exited before anyone listened. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

test('every acknowledged profile survives kill -9 and a restart', async () => {
  const first = await startServer();
  const now = nowSeconds();
  const acked: string[] = [];
  let next = 0;
  let stop = false;
  // Four agents push distinct stacks as fast as the server takes them.
  const agent = async () => {
    while (!stop) {
      const i = next++;
      try {
        const r = await fetch(`${first.url}/ingest?name=durable.cpu&from=${now - 10}&until=${now}`, {
          method: 'POST',
          body: `main;work;req_${i} 1\nmain;shared ${i % 7}\n`,
        });
        if (r.status === 200) acked.push(`req_${i}`);
      } catch {
        return; // the connection died with the server
      }
    }
  };
  const agents = [agent(), agent(), agent(), agent()];
  await new Promise((r) => setTimeout(r, 2500));
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all(agents);
  await exited(first.child);
  assert.ok(acked.length > 50, `only ${acked.length} profiles were acknowledged`);

  const second = await startServer();
  try {
    const r = await fetch(
      `${second.url}/pyroscope/render?query=durable.cpu&from=${now - 60}&until=${now + 60}&maxNodes=100000`,
    );
    assert.equal(r.status, 200);
    const names = renderNames((await r.json()) as { flamebearer: { names: string[]; levels: number[][] } });
    const lost = acked.filter((a) => !names.has(a));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged profiles lost`);
    process.stderr.write(`durability: ${acked.length} acknowledged profiles, all present after kill -9\n`);
  } finally {
    second.child.kill('SIGTERM');
    await exited(second.child);
  }
});
