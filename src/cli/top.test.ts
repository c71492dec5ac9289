import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { exportToPprof } from '../formats/pprof.js';
import { ProfileBuilder } from '../model/builder.js';
import type { CommandIo } from './command.js';
import { topCommand } from './top.js';

function writeProfile(): string {
  const b = new ProfileBuilder([
    { type: 'alloc_space', unit: 'bytes' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  b.addStackRootFirst(['main', 'parse', 'alloc'], [3 * 1024 * 1024, 40e6]);
  b.addStackRootFirst(['main', 'render'], [1024, 50e6]);
  b.addStackRootFirst(['main', 'vendor.helper'], [0, 10e6]);
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-top-'));
  const file = join(dir, 'p.pb.gz');
  writeFileSync(file, exportToPprof(b.build()));
  return file;
}

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CommandIo = {
    stdout: (t) => {
      out += t.toString();
    },
    stderr: () => {},
  };
  const code = await topCommand.run(argv, io);
  return { code, out };
}

const file = writeProfile();

test('top prints the last sample type by default, in pprof layout', async () => {
  const { code, out } = await run([file]);
  assert.equal(code, 0);
  assert.match(out, /^Type: cpu\nShowing nodes accounting for 100ms, 100% of 100ms total\n/);
  assert.match(out, /\n {6}50ms 50\.00% 50\.00% {7}50ms 50\.00% {2}render\n/);
});

test('top --sample-type picks by name and scales bytes', async () => {
  const { out } = await run([file, '--sample-type', 'alloc_space', '--nodefraction', '0']);
  // 1kB is not 1/100 of the 3073kB total in a smaller unit, so everything prints in kB.
  assert.match(out, /\nShowing nodes accounting for 3073kB, 100% of 3073kB total\n/);
  assert.match(out, /\n {4}3072kB {3}100% {3}100% {5}3072kB {3}100% {2}alloc\n/);
  assert.match(out, /\n {7}1kB 0\.033% {3}100% {8}1kB 0\.033% {2}render\n/);
});

test('top --cum --nodecount ranks by cum and says how many were cut', async () => {
  const { out } = await run([file, '--cum', '--nodecount', '2']);
  assert.match(out, /Showing top 2 nodes out of 5\n/);
  const names = out
    .trimEnd()
    .split('\n')
    .slice(-2)
    .map((l) => l.trim().split(/\s+/).at(-1));
  assert.deepEqual(names, ['main', 'render']);
});

test('top --focus and --ignore filter samples and list the active filters', async () => {
  const focused = await run([file, '--focus', '^parse$']);
  assert.match(focused.out, /Active filters:\n {3}focus=\^parse\$\n/);
  assert.match(focused.out, /Showing nodes accounting for 40ms, 100% of 40ms total/);
  const ignored = await run([file, '--ignore', 'vendor', '--json']);
  const json = JSON.parse(ignored.out);
  assert.equal(json.total, 90e6);
  assert.deepEqual(
    json.rows.map((r: { name: string }) => r.name),
    ['render', 'alloc', 'main', 'parse'],
  );
});

test('top refuses bad arguments with a UsageError', async () => {
  await assert.rejects(run([]), UsageError);
  await assert.rejects(
    run([file, '--sample-type', 'nope']),
    /no sample type 'nope'.*alloc_space\/bytes, cpu\/nanoseconds/,
  );
  await assert.rejects(run([file, '--focus', '(']), /--focus is not a valid regular expression/);
  await assert.rejects(run([file, '--nodecount', '0']), UsageError);
  await assert.rejects(run([file, '--nodefraction', '2']), UsageError);
});
