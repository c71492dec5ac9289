/**
 * node-attach against real Node processes: a CommonJS and an ESM target with a known hot
 * function, a target exiting mid-attach, a busy inspector port, and a non-node process. After
 * each, the target must be alive (unless it exited on its own) and its inspector closed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importProfileFile } from '../formats/index.js';
import { listenSocketsOf } from './listen-sockets.js';
import { attachNode } from './node-attach.js';
import {
  catchesSignal,
  inspectPortOf,
  isNodeProgram,
  nodeOptionsWords,
  readNodeTarget,
} from './node-target.js';

const work = mkdtempSync(join(tmpdir(), 'autoprof-node-attach-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const HOT = `function hotChecksum() { let s = 0; for (let i = 0; i < 3e6; i++) s = (s + Math.sqrt(i) * 31) % 1e9; return s; }`;

/** startTarget spawns node on a script and resolves once it is running its own code. */
async function startTarget(name: string, source: string, nodeArgs: string[] = []): Promise<ChildProcess> {
  const file = join(work, name);
  writeFileSync(file, `${source}\nconsole.log('ready');\n`);
  const child = spawn(process.execPath, [...nodeArgs, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code})`)));
  });
  return child;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && readNodeTarget(child.pid!) !== undefined;
}

function functionNames(file: string): string[] {
  const p = importProfileFile(file)[0];
  return p.functions.map((f) => f.name);
}

function outDir(name: string): string {
  return mkdtempSync(join(work, `${name}-`));
}

test('attaches to a running CommonJS target, profiles it, detaches and closes its inspector', async () => {
  // Port 0: the kernel picks one, so this file never races test/e2e/run-attach for 9229.
  const child = await startTarget('hot.cjs', `${HOT}\nsetInterval(hotChecksum, 1);`, ['--inspect-port=0']);
  const pid = child.pid!;
  const before = listenSocketsOf(pid)!.length;
  const dir = outDir('cjs');
  const attachment = await attachNode(pid, { artifactsDir: dir });
  assert.equal(attachment.openedByUs, true);
  assert.ok(attachment.port, 'an inspector port was found');
  await new Promise((r) => setTimeout(r, 2000));
  const result = await attachment.finish();
  assert.equal(result.status, 'ok', result.warnings.join('; '));
  assert.ok(functionNames(join(dir, `node-${pid}.cpuprofile`)).includes('hotChecksum'));
  assert.ok(readFileSync(join(dir, `node-${pid}.heapprofile`), 'utf8').includes('"head"'));
  assert.ok(alive(child), 'the target still runs');
  assert.equal(listenSocketsOf(pid)!.length, before, 'the inspector port is closed again');

  // Closed cleanly means it can be opened again.
  const again = await attachNode(pid, { artifactsDir: outDir('cjs-again'), heap: false });
  const second = await again.finish();
  // Seen once in a loaded suite run: 'skipped' (the not-a-Node-process path); say why if again.
  assert.equal(second.status, 'ok', second.warnings.join('; '));
  assert.ok(alive(child));
  assert.equal(listenSocketsOf(pid)!.length, before);
});

test('closes the inspector of an ESM target (no require in scope)', async () => {
  const child = await startTarget('hot.mjs', `${HOT}\nsetInterval(hotChecksum, 1);`, ['--inspect-port=0']);
  const pid = child.pid!;
  const dir = outDir('esm');
  const attachment = await attachNode(pid, { artifactsDir: dir });
  assert.notEqual(attachment.port, 9229);
  await new Promise((r) => setTimeout(r, 1000));
  const result = await attachment.finish();
  assert.equal(result.status, 'ok', result.warnings.join('; '));
  assert.ok(functionNames(join(dir, `node-${pid}.cpuprofile`)).includes('hotChecksum'));
  assert.ok(alive(child));
  assert.deepEqual(listenSocketsOf(pid), []);
});

test('a target that exits during the attach still yields its profile and its own exit status', async () => {
  const child = await startTarget(
    'exits.cjs',
    `${HOT}\nconst t = setInterval(hotChecksum, 1);\nsetTimeout(() => { clearInterval(t); process.exit(3); }, 1500);`,
    ['--inspect-port=0'],
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const dir = outDir('exits');
  const attachment = await attachNode(child.pid!, { artifactsDir: dir });
  const result = await attachment.finished;
  assert.equal(await exited, 3);
  assert.equal(result.status, 'ok', result.warnings.join('; '));
  assert.ok(functionNames(join(dir, `node-${child.pid}.cpuprofile`)).includes('hotChecksum'));
  assert.deepEqual(await attachment.finish(), result, 'finish after the exit returns the same result');
});

test('a busy inspector port is reported and the target runs on', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    const child = await startTarget('busy.cjs', 'setInterval(() => {}, 1000);', [`--inspect-port=${port}`]);
    const result = await (
      await attachNode(child.pid!, { artifactsDir: outDir('busy'), openTimeoutMs: 1500 })
    ).finish();
    assert.equal(result.status, 'failed');
    assert.match(result.warnings[0], new RegExp(`port ${port} is in use`));
    assert.ok(alive(child));
  } finally {
    blocker.close();
  }
});

test('a process that is not node is skipped and never signalled', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => setTimeout(r, 100));
  const result = await (await attachNode(child.pid!, { artifactsDir: outDir('sleep') })).finish();
  assert.equal(result.status, 'skipped');
  assert.match(result.warnings[0], /not a Node.js process/);
  assert.ok(alive(child), 'SIGUSR1 would have killed sleep');
});

test('node-target reads node options, the SIGUSR1 handler bit and the inspector port', () => {
  assert.ok(isNodeProgram('/usr/local/bin/node') && isNodeProgram('nodejs') && !isNodeProgram('/bin/sleep'));
  assert.ok(catchesSignal('SigCgt:\t0000000100004602\n', 10));
  assert.ok(!catchesSignal('SigCgt:\t0000000100004402\n', 10));
  assert.deepEqual(nodeOptionsWords('--require "/a b/c.cjs" --inspect-port=0'), [
    '--require',
    '/a b/c.cjs',
    '--inspect-port=0',
  ]);
  assert.equal(inspectPortOf([]), 9229);
  assert.equal(inspectPortOf(['--inspect-port', '9300']), 9300);
  assert.equal(inspectPortOf(['--inspect=0.0.0.0:9400']), 9400);
});
