import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli } from '../cli.js';

/**
 * Bad input through the real CLI process: one clear line on stderr, exit 2 (127 for a missing
 * target, like a shell), never a stack trace.
 */
const dir = mkdtempSync(join(tmpdir(), 'autoprof-cli-errors-'));
const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const garbage = file('garbage.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
const truncatedGzip = file('cut.gz', gzipSync(Buffer.alloc(4096, 'a')).subarray(0, 20));
const bomb = file('bomb.gz', gzipSync(Buffer.alloc(32 * 1024 * 1024)));
const brokenPprofJson = file(
  'broken.cpuprofile',
  '{"nodes": [{"id": 1, "callFrame": {"functionName": "a"}, "children": [2]}], "samples": [1, 9], "timeDeltas": [1',
);

const cases: Array<{ args: string[]; code: number; message: RegExp; env?: string }> = [
  { args: ['top', garbage], code: 2, message: /not a recognised profile format/ },
  { args: ['top', truncatedGzip], code: 2, message: /corrupt or truncated gzip/ },
  { args: ['top', join(dir, 'missing.pb.gz')], code: 2, message: /no such file/ },
  { args: ['top', dir], code: 2, message: /is a directory/ },
  { args: ['top', brokenPprofJson], code: 2, message: /chrome-cpuprofile|JSON/ },
  { args: ['convert', garbage, '--to', 'nope'], code: 2, message: /unknown output format 'nope'/ },
  {
    args: ['top', '--nodecount', 'x', garbage],
    code: 2,
    message: /--nodecount takes a positive whole number/,
  },
  { args: ['frobnicate'], code: 2, message: /unknown command 'frobnicate'/ },
  { args: ['run'], code: 2, message: /give the command to profile/ },
  {
    args: ['run', '--out', join(dir, 'r'), '--', join(dir, 'no-such-command')],
    code: 127,
    message: /no such file/,
  },
];

for (const c of cases) {
  test(`autoprof ${c.args.map((a) => a.replace(dir, '…')).join(' ')}`, async () => {
    const r = await runCli(c.args, { timeoutMs: 60_000 });
    assert.equal(r.code, c.code, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
    assert.match(lines[0], c.message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('a gzip bomb is refused by the cap, quickly', async () => {
  const started = Date.now();
  const r = await runCli(['top', bomb], {
    timeoutMs: 60_000,
    env: { AUTOPROF_MAX_DECOMPRESSED_BYTES: String(8 * 1024 * 1024) },
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /decompressed size exceeds the cap of 8388608 bytes/);
  assert.ok(Date.now() - started < 30_000);
});
