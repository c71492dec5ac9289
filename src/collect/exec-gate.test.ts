/**
 * The exec gate against real processes: a held target runs only on the runner's "go", and a
 * runner that dies while holding it (SIGKILL, no cleanup) leaves neither a stopped process nor
 * an unprofiled run behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readProcStat } from './process-tree.js';
import { startTarget } from './runner.js';

const work = mkdtempSync(join(tmpdir(), 'autoprof-exec-gate-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

function targetOptions(name: string, argv: string[]) {
  return {
    argv,
    cwd: work,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdoutPath: join(work, `${name}.out`),
    stderrPath: join(work, `${name}.err`),
    gate: true,
  };
}

test('a held target waits (sleeping, not stopped) and runs only once released', async () => {
  const marker = join(work, 'ran-after-release');
  const target = startTarget(targetOptions('release', ['sh', '-c', `echo "$$" > ${marker}`]));
  assert.equal(await target.held, true);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(existsSync(marker), false, 'the program ran before its release');
  assert.notEqual(readProcStat(target.pid)?.state, 'T', 'the held shell must not be in stopped state');
  target.release();
  const outcome = await target.done;
  assert.equal(outcome.status, 0);
  // exec keeps the pid: the program the user named is the process the runner held.
  assert.equal(readFileSync(marker, 'utf8').trim(), String(target.pid));
  assert.ok(outcome.wallMs < 5000, `wall ${outcome.wallMs} ms`);
});

test('argv reaches the target unchanged, and the gate fd does not', async () => {
  const out = join(work, 'argv.out');
  const target = startTarget(
    targetOptions('argv', [
      'sh',
      '-c',
      'printf "%s|" "$@"; [ -e /proc/self/fd/3 ] && echo fd3-open',
      'x',
      'a b',
      '$HOME',
      '',
    ]),
  );
  assert.equal(await target.held, true);
  target.release();
  assert.equal((await target.done).status, 1);
  assert.equal(readFileSync(out, 'utf8'), 'a b|$HOME||');
});

test('runner killed with SIGKILL while the target is held: the target exits without running', async () => {
  const marker = join(work, 'ran-without-runner');
  const runnerModule = fileURLToPath(new URL('./runner.ts', import.meta.url));
  // A runner that holds the target and never releases it, as one killed mid-attach would.
  const script = `
    const { startTarget } = await import(${JSON.stringify(runnerModule)});
    const target = startTarget(${JSON.stringify(targetOptions('killed', ['sh', '-c', `touch ${marker}`]))});
    if (await target.held) process.stdout.write(String(target.pid) + '\\n');
    setInterval(() => {}, 1000);`;
  const runner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolvePid, fail) => {
    let text = '';
    runner.stdout.on('data', (c: Buffer) => {
      text += c;
      if (text.includes('\n')) resolvePid(Number(text.trim()));
    });
    runner.once('exit', () => fail(new Error('the runner exited before holding the target')));
  });
  assert.ok(pid > 0);
  const started = readProcStat(pid)?.startTicks;
  assert.ok(started !== undefined, 'the held target is not running');
  runner.kill('SIGKILL');
  const gone = await waitFor(() => {
    const stat = readProcStat(pid);
    return !stat || stat.startTicks !== started || stat.state === 'Z' || stat.state === 'X';
  }, 5000);
  assert.ok(gone, `held target ${pid} outlived its runner in state ${readProcStat(pid)?.state}`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(existsSync(marker), false, 'the program ran unprofiled after its runner died');
});
