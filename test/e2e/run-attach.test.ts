/**
 * `autoprof run --pid PID --duration S` against a real, already running Node process: the
 * profile must name its hot function, the target must run on, and its inspector be closed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runWith } from '../../src/cli/run.js';
import { nodeAttachCollector } from '../../src/collect/collectors/node-attach-collector.js';
import { systemCollector } from '../../src/collect/collectors/system.js';
import { listenSocketsOf } from '../../src/collect/listen-sockets.js';
import type { RunManifest } from '../../src/collect/manifest.js';
import { importProfileFile } from '../../src/formats/index.js';
import { runCli } from '../cli.js';

const work = mkdtempSync(join(tmpdir(), 'autoprof-run-attach-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const TARGET = `function hotChecksum() { let s = 0; for (let i = 0; i < 3e6; i++) s = (s + Math.sqrt(i) * 31) % 1e9; return s; }
setInterval(hotChecksum, 1);
console.log('ready');
`;

async function startTarget(name: string): Promise<ChildProcess> {
  const file = join(work, name);
  writeFileSync(file, TARGET);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`target exited early (${code})`)));
  });
  return child;
}

function assertAttached(dir: string, child: ChildProcess): void {
  const pid = child.pid!;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
  const node = manifest.collectors.find((c) => c.name === 'node');
  assert.equal(node?.status, 'ok', JSON.stringify(node));
  const cpu = manifest.artifacts.find((a) => a.collector === 'node' && a.kind === 'cpu-profile');
  assert.equal(cpu?.path, `artifacts/node-${pid}.cpuprofile`);
  const names = importProfileFile(join(dir, cpu.path))[0].functions.map((f) => f.name);
  assert.ok(names.includes('hotChecksum'), 'the profile names the hot function');
  assert.ok(child.exitCode === null && child.signalCode === null, 'the target still runs');
  assert.deepEqual(listenSocketsOf(pid), [], "the target's inspector is closed again");
}

test('run --pid with the attach collector, through the library', async () => {
  const child = await startTarget('lib.cjs');
  const dir = join(work, 'lib');
  const status = await runWith(
    ['--pid', String(child.pid), '--duration', '2', '--collectors', 'system,node', '--out', dir],
    { stdout: () => {}, stderr: () => {} },
    [systemCollector, nodeAttachCollector],
  );
  assert.equal(status, 0);
  assertAttached(dir, child);
});

// Needs the CLI wiring: run.ts choosing node for a node pid and session.ts using forAttach.
test('autoprof run --pid PID --duration 2, through the real CLI', async () => {
  const child = await startTarget('cli.cjs');
  const dir = join(work, 'cli');
  const r = await runCli(['run', '--pid', String(child.pid), '--duration', '2', '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  assertAttached(dir, child);
});
