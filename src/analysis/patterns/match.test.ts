import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileBuilder } from '../../model/builder.js';
import type { Profile } from '../../model/profile.js';
import { diagnoseProfile } from '../diagnose.js';

type Frame = { name: string; file: string };

/** build makes a CPU profile (nanoseconds) from root-first stacks and a value per stack. */
function build(stacks: Array<[Frame[], number]>): Profile {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  for (const [frames, value] of stacks) {
    const ids = frames.map((f) => b.locationId({ name: f.name, file: f.file, line: 0, startLine: 0 }));
    b.addSample(ids.reverse(), [value]);
  }
  return b.build();
}

const ms = 1e6;
const busy = { cpu_utilisation: 1 };
const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const exe = '/opt/cache/bin/tokens';
const caller = [
  { name: 'main', file: exe },
  { name: 'cache_tokens', file: exe },
];

/** churn: a program strdup()s and free()s; `mallocMs` and `freeMs` say which half leads. */
function churn(mallocMs: number, freeMs: number): Profile {
  return build([
    [
      [
        ...caller,
        { name: '__GI___strdup', file: libc },
        { name: '__GI___libc_malloc', file: libc },
        { name: '_int_malloc', file: libc },
      ],
      mallocMs * ms,
    ],
    [[...caller, { name: '__GI___libc_free', file: libc }, { name: '_int_free', file: libc }], freeMs * ms],
    [[...caller], 300 * ms],
  ]);
}

test('allocator churn is one family: its share and its named entries do not depend on which half leads', () => {
  const runs = [churn(400, 300), churn(300, 400)].map((p) =>
    diagnoseProfile(p, busy).findings.find((f) => f.pattern_id === 'native-malloc-churn'),
  );
  for (const f of runs) {
    assert.ok(f, 'the allocator finding is raised');
    assert.equal(f.category, 'allocation');
    assert.equal(f.severity, 'high');
    assert.equal(f.location.function, 'cache_tokens');
    const entries = (f.hotspot?.function ?? '').split(' + ').sort();
    assert.deepEqual(entries, ['__GI___libc_free', '__GI___libc_malloc']);
    assert.equal(f.hotspot?.share, 1, 'the family holds all the matched time');
    assert.equal(f.evidence.cpu_share?.value, 70);
  }
});

test('one dominant allocator entry is named alone', () => {
  const f = diagnoseProfile(churn(650, 50), busy).findings.find(
    (x) => x.pattern_id === 'native-malloc-churn',
  );
  assert.equal(f?.hotspot?.function, '__GI___libc_malloc');
});

test('a frame inferred from a call site matches the patterns under the function it stands for', () => {
  // Only the inferred frame names the regex engine: its callee here is an internal the
  // pattern does not list.
  const p = build([
    [
      [...caller, { name: 'regexec [inferred]', file: libc }, { name: 'pop_fail_stack', file: libc }],
      700 * ms,
    ],
    [[...caller], 300 * ms],
  ]);
  const f = diagnoseProfile(p, busy).findings.find((x) => x.pattern_id === 'native-regex-matching');
  assert.ok(f, 'the regex pattern is found');
  assert.equal(f.location.function, 'cache_tokens');
  assert.equal(f.hotspot?.function, 'regexec [inferred]');
  assert.deepEqual(f.stack.slice(1, 3), ['cache_tokens', 'regexec [inferred]']);
});

/** regexProfile: a Node program spending `ms` in each given regex under its own render(). */
function regexProfile(regexes: Array<[string, number]>): Profile {
  const app = '/srv/app/render.js';
  const own = [
    { name: 'main', file: app },
    { name: 'render', file: app },
  ];
  return build([
    ...regexes.map(([source, time]): [Frame[], number] => [
      [...own, { name: `RegExp: ${source}`, file: '' }],
      time * ms,
    ]),
    [own, 400 * ms],
  ]);
}

function regexFinding(p: Profile) {
  return diagnoseProfile(p, busy).findings.find((f) => f.pattern_id === 'node-regex-execution');
}

test('hot regex matching is low unless one regex of a backtracking-prone shape holds the share', () => {
  // A linear pattern, however hot, is work being done, not a defect.
  assert.equal(regexFinding(regexProfile([[String.raw`^\S*`, 600]]))?.severity, 'low');
  // validator's rtrim (CVE-2021-3765) holding the same share is.
  assert.equal(regexFinding(regexProfile([[String.raw`(\s)+$`, 600]]))?.severity, 'high');
  // Many regexes, none of them holding much by itself (a Markdown renderer): low.
  const spread = regexProfile(Array.from({ length: 6 }, (_, i): [string, number] => [`(\\s)+x${i}$`, 100]));
  assert.equal(regexFinding(spread)?.severity, 'low');
});
