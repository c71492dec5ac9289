/**
 * The preload inside real node processes: it must profile without changing what the target
 * does (exit codes, its own signal handlers, workers) and never break it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodePreloadPath, withNodePreload } from './collectors/node.js';

const work = mkdtempSync(join(tmpdir(), 'autoprof-preload-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

async function runNode(source: string, extraEnv: Record<string, string> = {}, preload?: string) {
  const out = join(work, `out-${++n}`);
  mkdirSync(out);
  const program = join(work, `p-${n}.js`);
  writeFileSync(program, source);
  const launch = withNodePreload(
    {
      argv: [process.execPath, program],
      cwd: work,
      env: { ...(process.env as Record<string, string>), ...extraEnv },
    },
    preload ?? (await nodePreloadPath()),
    out,
  );
  const r = spawnSync(launch.argv[0], launch.argv.slice(1), {
    env: launch.env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { ...r, out, files: readdirSync(out).sort() };
}

test('a worker thread is skipped; the main thread is profiled', async () => {
  const r = await runNode(`
    const { Worker } = require('node:worker_threads');
    const w = new Worker('let x = 0; for (let i = 0; i < 3e7; i++) x += i;', { eval: true });
    w.on('exit', () => console.log('worker done'));`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'worker done\n');
  assert.deepEqual(r.files, [
    `node-${r.pid}.cpuprofile`,
    `node-${r.pid}.heapprofile`,
    `node-${r.pid}.metrics.json`,
  ]);
  const metrics = JSON.parse(readFileSync(join(r.out, `node-${r.pid}.metrics.json`), 'utf8'));
  assert.ok(
    metrics.eventLoopDelay.count >= 0 && Array.isArray(metrics.series) && Array.isArray(metrics.gc.events),
  );
});

test("the target's own SIGTERM handler decides; the exit hook still writes the profile", async () => {
  const r = await runNode(`
    process.on('SIGTERM', () => { console.log('own handler'); process.exit(7); });
    setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100);
    setInterval(() => {}, 1000);`);
  assert.equal(r.status, 7);
  assert.equal(r.stdout, 'own handler\n');
  assert.ok(r.files.includes(`node-${r.pid}.cpuprofile`));
});

test('without a handler of its own, SIGTERM still kills the target by that signal, after the write', async () => {
  const r = await runNode(
    `setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100); setInterval(() => {}, 1000);`,
  );
  assert.equal(r.signal, 'SIGTERM');
  assert.ok(r.files.includes(`node-${r.pid}.cpuprofile`));
});

// Node reports GC entries from the event loop, so the allocating program yields between rounds.
test('GC pauses are recorded', async () => {
  const r = await runNode(`
    let keep = [];
    let rounds = 0;
    const round = () => {
      for (let i = 0; i < 2e5; i++) { keep.push({ i }); if (keep.length > 1e5) keep = []; }
      if (++rounds < 20) setImmediate(round);
    };
    round();`);
  const metrics = JSON.parse(readFileSync(join(r.out, `node-${r.pid}.metrics.json`), 'utf8'));
  assert.ok(metrics.gc.count > 0, JSON.stringify(metrics.gc).slice(0, 200));
});

test('an unwritable output folder is logged nowhere and never breaks the target', async () => {
  const launchOut = join(work, 'missing', 'deeper');
  const program = join(work, 'ok.js');
  writeFileSync(program, 'console.log("still fine")');
  const launch = withNodePreload(
    { argv: [process.execPath, program], cwd: work, env: process.env as Record<string, string> },
    await nodePreloadPath(),
    launchOut,
  );
  const r = spawnSync(launch.argv[0], launch.argv.slice(1), { env: launch.env, encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'still fine\n');
});

test('a preload path with spaces is quoted in NODE_OPTIONS, after the user options', async () => {
  const spaced = join(work, 'dir with space');
  mkdirSync(spaced);
  const copy = join(spaced, 'preload "x".cjs');
  copyFileSync(await nodePreloadPath(), copy);
  const r = await runNode(
    'console.log(process.execArgv.length, typeof require)',
    { NODE_OPTIONS: '--max-old-space-size=512' },
    copy,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.files.includes(`node-${r.pid}.cpuprofile`), r.stderr);
});
