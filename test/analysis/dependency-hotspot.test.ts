import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diagnoseProfile } from '../../src/analysis/diagnose.js';
import { packageOfFrame } from '../../src/analysis/frame-package.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import type { Profile } from '../../src/model/profile.js';

type Frame = { name: string; file?: string; line?: number };

/** build makes a CPU profile (nanoseconds) from root-first stacks and a value per stack. */
function build(stacks: Array<[Frame[], number]>): Profile {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  for (const [frames, value] of stacks) {
    const ids = frames.map((f) =>
      b.locationId({ name: f.name, file: f.file ?? '', line: f.line ?? 0, startLine: f.line ?? 0 }),
    );
    b.addSample(ids.reverse(), [value]);
  }
  return b.build();
}

const ms = 1e6;
const busy = { cpu_utilisation: 1 };

/** fakeNodeModules writes node_modules/<name>/package.json and returns the package folder. */
function fakeNodeModules(name: string, version: string): string {
  const root = mkdtempSync(join(tmpdir(), 'autoprof-dep-'));
  const dir = join(root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version }));
  writeFileSync(join(dir, 'index.js'), 'module.exports = () => 0;\n');
  return dir;
}

test('a library function under an own caller is the hotspot, with package and version from package.json', () => {
  const dir = fakeNodeModules('slowlib', '1.2.3');
  const app = { name: 'buildIndex', file: '/srv/app/index.js', line: 3 };
  const entry = { name: 'tokenize', file: `${dir}/index.js`, line: 1 };
  const inner = { name: 'scanWord', file: `${dir}/index.js`, line: 40 };
  const p = build([
    [[{ name: 'main', file: '/srv/app/index.js', line: 1 }, app, entry, inner], 900 * ms],
    [[{ name: 'main', file: '/srv/app/index.js', line: 1 }, app], 100 * ms],
  ]);
  const d = diagnoseProfile(p, busy);
  const top = d.findings[0];
  assert.equal(top.pattern_id, 'dependency-hotspot');
  assert.equal(top.category, 'cpu-hotspot');
  assert.equal(top.location.function, 'buildIndex');
  assert.equal(top.hotspot?.function, 'scanWord');
  assert.equal(top.hotspot?.origin, 'dependency');
  assert.equal(top.hotspot?.package, 'slowlib');
  assert.equal(top.hotspot?.version, '1.2.3');
  assert.equal(top.hotspot?.entry?.function, 'tokenize');
  assert.ok(top.hotspot && top.hotspot.share > 0.85 && top.hotspot.share < 0.95);
  // The stack is not cut at the own frame: it runs down to the hotspot.
  assert.deepEqual(top.stack.slice(-3), ['buildIndex', 'tokenize', 'scanWord']);
  assert.match(top.title, /scanWord \(slowlib@1\.2\.3\), called from buildIndex/);
  assert.ok(top.suggestions.some((s) => /upgrade/i.test(s)));
});

test('an own function that does its own work has no hotspot and stays a plain CPU hotspot', () => {
  const p = build([
    [
      [
        { name: 'main', file: '/srv/app/a.js', line: 1 },
        { name: 'sumRows', file: '/srv/app/a.js', line: 5 },
      ],
      900 * ms,
    ],
  ]);
  const d = diagnoseProfile(p, busy);
  assert.equal(d.findings[0].pattern_id, 'cpu-hotspot');
  assert.equal(d.findings[0].hotspot, undefined);
});

test("a Python script's top level is own code, so a library hotspot under <module> is reported", () => {
  const script = '/home/u/report.py';
  const lib = '/usr/lib/python3/dist-packages/fancylib/core.py';
  const p = build([
    [
      [
        { name: '<module>', file: script, line: 9 },
        { name: 'render', file: lib, line: 12 },
        { name: 'expand', file: lib, line: 80 },
      ],
      970 * ms,
    ],
    [[{ name: '<module>', file: script, line: 9 }], 30 * ms],
  ]);
  const d = diagnoseProfile(p, busy);
  const f = d.findings.find((x) => x.hotspot?.function === 'expand');
  assert.ok(f, JSON.stringify(d.findings.map((x) => [x.pattern_id, x.location.function])));
  assert.equal(f.location.function, '<module>');
  assert.equal(f.hotspot?.origin, 'dependency');
});

test('glibc regex matching under an own function is a regex finding naming the engine entry', () => {
  const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  const exe = '/opt/tool/bin/matcher';
  const base = [
    { name: 'main', file: exe },
    { name: 'match_lines', file: exe },
    { name: 're_search_internal', file: libc },
  ];
  const p = build([
    [[...base, { name: 'get_subexp', file: libc }, { name: 'check_arrival', file: libc }], 500 * ms],
    [[...base, { name: 'sift_states_backward', file: libc }], 300 * ms],
    [[...base, { name: 'transit_state_bkref', file: libc }], 150 * ms],
    [[{ name: 'main', file: exe }], 50 * ms],
  ]);
  const d = diagnoseProfile(p, busy);
  const rx = d.findings.find((f) => f.category === 'regex');
  assert.ok(rx, JSON.stringify(d.findings.map((f) => f.pattern_id)));
  assert.equal(rx.pattern_id, 'native-regex-matching');
  assert.equal(rx.location.function, 'match_lines');
  assert.equal(rx.hotspot?.function, 're_search_internal');
  assert.equal(rx.hotspot?.origin, 'native-lib');
});

test('deep recursion of one library function is a super-linear blow-up (algorithmic)', () => {
  const lib = '/srv/app/node_modules/globber/index.js';
  const rec = Array.from({ length: 40 }, () => ({ name: 'matchSegment', file: lib, line: 10 }));
  const p = build([
    [
      [
        { name: 'main', file: '/srv/app/cli.js', line: 1 },
        { name: 'expandAll', file: '/srv/app/cli.js', line: 7 },
        ...rec,
      ],
      800 * ms,
    ],
    [[{ name: 'main', file: '/srv/app/cli.js', line: 1 }], 200 * ms],
  ]);
  const d = diagnoseProfile(p, busy);
  const blow = d.findings.find((f) => f.pattern_id === 'superlinear-recursion');
  assert.ok(blow, JSON.stringify(d.findings.map((f) => f.pattern_id)));
  assert.equal(blow.category, 'algorithmic');
  assert.equal(blow.hotspot?.function, 'matchSegment');
  assert.equal(blow.evidence.max_recursion_depth.value, 40);
});

test('importing a module under the program is start-up, not a hotspot', () => {
  const script = '/home/u/tool.py';
  const boot = '<frozen importlib._bootstrap>';
  const lib = '/usr/lib/python3/dist-packages/heavy/__init__.py';
  const p = build([
    [
      [
        { name: '<module>', file: script, line: 1 },
        { name: '_find_and_load', file: boot, line: 1 },
        { name: '<module>', file: lib, line: 3 },
      ],
      900 * ms,
    ],
    [[{ name: '<module>', file: script, line: 5 }], 100 * ms],
  ]);
  const d = diagnoseProfile(p, busy);
  assert.ok(!d.findings.some((f) => f.hotspot?.file === lib), JSON.stringify(d.findings.map((f) => f.title)));
});

test('a thread joining its own workers is not lock contention', () => {
  const b = new ProfileBuilder([{ type: 'delay', unit: 'nanoseconds' }]);
  const frames = ['com/acme/Main.main', 'java/lang/Thread.join', 'java/lang/Object.wait'].map((name) =>
    b.locationId({ name, file: '', line: 0, startLine: 0 }),
  );
  b.addSample(frames.reverse(), [900 * ms]);
  const d = diagnoseProfile(b.build(), busy);
  assert.ok(
    !d.findings.some((f) => f.category === 'lock-contention'),
    JSON.stringify(d.findings.map((f) => f.pattern_id)),
  );
});

test('packageOfFrame reads dist-info metadata and Java package names', () => {
  const site = join(mkdtempSync(join(tmpdir(), 'autoprof-site-')), 'lib', 'python3.11', 'site-packages');
  mkdirSync(join(site, 'fancy_lib'), { recursive: true });
  mkdirSync(join(site, 'fancy_lib-0.9.1.dist-info'));
  writeFileSync(
    join(site, 'fancy_lib-0.9.1.dist-info', 'METADATA'),
    'Metadata-Version: 2.1\nName: fancy-lib\nVersion: 0.9.1\n',
  );
  assert.deepEqual(packageOfFrame('parse', join(site, 'fancy_lib', 'core.py')), {
    name: 'fancy-lib',
    version: '0.9.1',
  });
  assert.deepEqual(packageOfFrame('java.util.regex.Pattern$Loop.match', ''), { name: 'java.util.regex' });
  assert.deepEqual(packageOfFrame('difflib', '/usr/lib/python3.11/difflib.py'), {
    name: 'python-stdlib',
    version: '3.11',
  });
});
