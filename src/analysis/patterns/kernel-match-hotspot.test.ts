/**
 * A pattern matched on kernel frames (system call entry) names as its hotspot the user-space
 * frame that entered the kernel (the C library's write/read wrapper), not the entry trampoline
 * every system call shares. Profiles are folded stacks shaped like perf's for `dd bs=1` and for
 * a program that calls the kernel from its own code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importCollapsed } from '../../formats/collapsed.js';
import { emptyDiagnosisInput } from '../features/diagnosis-input.js';
import { viewsOfProfile } from '../features/sample-views.js';
import type { Finding } from '../findings.js';
import { loadPatterns } from './loader.js';
import { matchPattern } from './match.js';

function syscallFindings(folded: string): Finding[] {
  const profile = importCollapsed(new TextEncoder().encode(folded), { source: 'test' });
  const input = {
    ...emptyDiagnosisInput(),
    runtimes: ['native' as const],
    views: viewsOfProfile(profile, 'cpu'),
  };
  const pattern = loadPatterns().patterns.find((p) => p.id === 'native-syscall-heavy');
  assert.ok(pattern, 'the built-in KB has native-syscall-heavy');
  return matchPattern(pattern, input, { verifyHint: '' });
}

const ENTRY = 'entry_SYSCALL_64_after_hwframe;do_syscall_64';

test('a syscall match is charged to the C library wrappers that made the calls, the busier one first', () => {
  const findings = syscallFindings(
    [
      `copy_loop;__GI___libc_write;${ENTRY};ksys_write;vfs_write 60`,
      `copy_loop;__GI___libc_read;${ENTRY};ksys_read;vfs_read 35`,
      'copy_loop 5',
    ].join('\n'),
  );
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.equal(f.category, 'syscall');
  assert.equal(f.location.function, 'copy_loop');
  // Both wrappers hold over 20% of the match, so the hotspot names the family (as dd's equal
  // reads and writes need), the busier first, with the family's share.
  assert.equal(f.hotspot?.function, '__GI___libc_write + __GI___libc_read');
  assert.ok(Math.abs((f.hotspot?.share ?? 0) - 1) < 0.01, `share ${f.hotspot?.share}`);
});

test('kernel frames between the wrapper and the matched entry are skipped', () => {
  // stackcollapse-perf --kernel marks kernel frames with _[k]; the outermost matched frame here
  // is ksys_write, under a kernel frame no pattern names.
  const [f] = syscallFindings('main;writer;__GI___libc_write;kernel_helper_[k];ksys_write_[k] 50\nmain 10');
  assert.equal(f.location.function, 'writer');
  assert.equal(f.hotspot?.function, '__GI___libc_write');
});

test('a kernel entry made directly from own code keeps the kernel frame as the hotspot', () => {
  const [f] = syscallFindings(`main;raw_syscall_loop;${ENTRY};ksys_write 50\nmain 10`);
  assert.equal(f.location.function, 'raw_syscall_loop');
  assert.equal(f.hotspot?.function, 'entry_SYSCALL_64_after_hwframe');
});
