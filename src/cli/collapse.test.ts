import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { repoPath } from '../../test/corpora.js';
import { collapsePerfScript } from '../formats/stackcollapse-perf.js';
import { collapseCommand } from './collapse.js';

const dir = mkdtempSync(join(tmpdir(), 'autoprof-collapse-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** bigPerfScript is about `mb` MB of samples with a few thousand distinct stacks. */
function bigPerfScript(mb: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1e6; i++) {
    let sample = `node ${100 + (i % 3)} ${i}.25: ${1 + (i % 5)} cpu-clock:\n`;
    for (let d = 0; d < 4 + (i % 17); d++)
      sample += `\t    ${(i * 31 + d) % 4093} fn${(i + d * d) % 211}+0x1 (/bin/x)\n`;
    sample += '\n';
    parts.push(sample);
    size += sample.length;
  }
  return parts.join('');
}

describe('autoprof collapse (CLI)', () => {
  test('writes the folded stacks to a captured sink; a missing file is one error', async () => {
    const text = bigPerfScript(0.2);
    const path = join(dir, 'small.txt');
    writeFileSync(path, text);
    const out: Buffer[] = [];
    const io = { stdout: (t: string | Uint8Array) => out.push(Buffer.from(t)), stderr: () => {} };
    assert.equal(await collapseCommand.run([path], io), 0);
    assert.equal(Buffer.concat(out).toString('latin1'), collapsePerfScript(text));
    await assert.rejects(collapseCommand.run([join(dir, 'absent.txt')], io), /absent\.txt: no such file/);
  });

  test('a large file on two threads, written through a pipe, equals the in-process fold', () => {
    const text = bigPerfScript(18);
    const path = join(dir, 'large.txt');
    writeFileSync(path, text);
    const res = spawnSync('node', ['--import', 'tsx', repoPath('bench/collapse-runner.ts'), path], {
      env: { ...process.env, AUTOPROF_COLLAPSE_THREADS: '2' },
      maxBuffer: 256 << 20,
    });
    assert.equal(res.status, 0, String(res.stderr));
    assert.ok(res.stdout.length > 1 << 16, 'several output chunks');
    assert.ok(res.stdout.equals(Buffer.from(collapsePerfScript(text), 'latin1')));
  });
});
