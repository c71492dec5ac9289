import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  calleeOfTarget,
  libcAliasFree,
  objdumpCallSites,
  parseCallSites,
  withCallSiteFrames,
  withLeafwardModules,
  withModuleOffsets,
} from './call-site-frames.js';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** buildCaller compiles a program whose emit() calls fputc, and a stripped copy of it. */
function buildCaller(): { bin: string; stripped: string } {
  const dir = join(tmpdir(), `autoprof-callsite-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'emit.c');
  writeFileSync(
    source,
    '#include <stdio.h>\n__attribute__((noinline)) void emit(FILE *f, int c) { fputc(c, f); fflush(f); }\n' +
      'int main(void) { emit(stdout, 65); return 0; }\n',
  );
  const bin = join(dir, 'emit');
  execFileSync('gcc', ['-O1', '-g', '-fno-omit-frame-pointer', '-o', bin, source]);
  const stripped = join(dir, 'emit-stripped');
  copyFileSync(bin, stripped);
  execFileSync('strip', [stripped]);
  return { bin, stripped };
}

/** returnAddressOf finds the address after `call <callee@plt>` in objdump's text of `bin`. */
function returnAddressOf(bin: string, callee: string): number {
  const lines = execFileSync('objdump', ['-d', '--no-show-raw-insn', bin], { encoding: 'latin1' }).split(
    '\n',
  );
  const i = lines.findIndex((l) => l.includes(`<${callee}@plt>`) && /\scall/.test(l));
  assert.ok(i >= 0, `${callee}@plt call in ${bin}`);
  const next = /^\s*([0-9a-f]+):/.exec(lines[i + 1]);
  assert.ok(next);
  return Number.parseInt(next[1], 16);
}

const line = (address: number, name: string, module: string) =>
  `\t${address.toString(16).padStart(16)} ${name} (${module})`;

test('call sites: the frame a tail call hid is recovered from the caller, marked inferred', (t) => {
  if (!hasTool('gcc') || !hasTool('objdump') || !hasTool('strip'))
    return t.skip('gcc, objdump or strip missing (binutils come with gcc: scripts/setup.sh)');
  const { bin, stripped } = buildCaller();
  const ret = returnAddressOf(bin, 'fputc');
  const source = objdumpCallSites();
  // perf prints a caller's return address minus one in DWARF mode; both must resolve.
  for (const printed of [ret, ret - 1]) {
    const stack = [
      line(0x823e2, '_IO_new_file_overflow+0x102', LIBC),
      line(printed, 'emit+0x10', bin),
      line(0x1100, 'main+0x10', bin),
    ];
    const out = withCallSiteFrames(stack, source);
    assert.equal(out.length, 4, out.join('\n'));
    assert.match(out[1], /\sfputc \[inferred\]\+0x0 \(\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6\)$/);
    assert.equal(out[2], stack[1]);
  }
  // A stripped binary still names its PLT stubs, and its frames read module+offset.
  const strippedRet = returnAddressOf(stripped, 'fputc');
  const bare = [line(0x823e2, '_IO_new_file_overflow+0x102', LIBC), line(strippedRet, '[unknown]', stripped)];
  const out = withModuleOffsets(withCallSiteFrames(bare, source));
  assert.match(out[1], /fputc \[inferred\]/);
  assert.equal(
    out[2].trim(),
    `${strippedRet.toString(16)} emit-stripped+0x${strippedRet.toString(16)}+0x0 (${stripped})`,
  );
});

test('call sites: nothing is inserted where the library frame is the callee under an alias', (t) => {
  if (!hasTool('gcc') || !hasTool('objdump')) return t.skip('gcc or objdump missing');
  const { bin } = buildCaller();
  const ret = returnAddressOf(bin, 'fflush');
  const source = objdumpCallSites();
  const byName = [line(0x7d000, '__GI__IO_fflush+0x20', LIBC), line(ret, 'emit+0x20', bin)];
  assert.deepEqual(withCallSiteFrames(byName, source), byName);
  // An alias the names do not give away is the same function when it starts at the callee.
  const fflush = source(LIBC)?.symbols.get('fflush');
  if (fflush === undefined) return t.skip(`no fflush symbol in ${LIBC}`);
  const byAddress = [line(fflush + 0x20, 'flush_stream_impl+0x20', LIBC), line(ret, 'emit+0x20', bin)];
  assert.deepEqual(withCallSiteFrames(byAddress, source), byAddress);
});

test('call sites: without objdump or readable modules the stack stays as sampled', () => {
  const stack = [line(0x823e2, 'x+0x1', LIBC), line(0x1234, 'y+0x4', '/nonexistent/app')];
  assert.deepEqual(withCallSiteFrames(stack, objdumpCallSites('/nonexistent/objdump')), stack);
  assert.deepEqual(withCallSiteFrames(stack, objdumpCallSites()), stack);
});

test('call sites: objdump text, targets and glibc aliases read as the called function', () => {
  const sites = parseCallSites(
    [
      '0000000000001139 <emit>:',
      '    1139:\tpush   %rbp',
      '    1141:\tcall   1030 <fputc@plt>',
      '    1146:\tmov    %rbx,%rdi',
      '    1149:\tcall   *%rax',
      '    114b:\tcall   1150 <helper+0x4>',
      '    1150:\tret',
    ].join('\n'),
  );
  assert.equal(sites.callees.get(0x1146), 'fputc');
  assert.equal(sites.callees.get(0x1145), 'fputc');
  assert.equal(sites.callees.get(0x114b), undefined, 'an indirect call names nothing');
  assert.equal(sites.callees.get(0x1150), undefined, 'a call into a function body names nothing');
  assert.equal(sites.symbols.get('emit'), 0x1139);
  assert.equal(calleeOfTarget('fputc@GLIBC_2.2.5'), 'fputc');
  assert.equal(calleeOfTarget('foo+0x10'), undefined);
  assert.equal(libcAliasFree('__GI___libc_malloc'), 'malloc');
  assert.equal(libcAliasFree('__regexec'), 'regexec');
  assert.equal(libcAliasFree('_IO_new_fclose'), 'fclose');
});

test('call sites: a lone inlined frame takes the module of the frame it called', () => {
  const out = withLeafwardModules([
    line(0x9622d, '_int_free+0x10d', LIBC),
    line(0x98f5e, '__GI___libc_free+0x6e', 'inlined'),
    line(0x12c1, 'run+0xf0', '/tmp/app'),
  ]);
  assert.equal(out[1], line(0x98f5e, '__GI___libc_free+0x6e', LIBC));
  const kernelLeaf = withLeafwardModules([
    line(0x8170f622, 'vfs_write+0xe2', '[kernel.kallsyms]'),
    line(0x98f5e, 'x+0x1', 'inlined'),
  ]);
  assert.match(kernelLeaf[1], /\(inlined\)$/, 'kernel frames lend no module');
});
