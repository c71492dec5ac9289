import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runVariance } from '../../src/analysis/detectors/run-variance.js';
import { diagnoseProfile } from '../../src/analysis/diagnose.js';
import { nodeMetricsOf, nodeProcessFeatures } from '../../src/analysis/features/read-node-metrics.js';
import { severityRank } from '../../src/analysis/findings.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import type { Profile } from '../../src/model/profile.js';

type Frame = { name: string; file?: string; line?: number };

/** build makes a profile from root-first stacks and a value per stack. */
function build(types: Array<{ type: string; unit: string }>, stacks: Array<[Frame[], number[]]>): Profile {
  const b = new ProfileBuilder(types);
  for (const [frames, values] of stacks) {
    const ids = frames.map((f) =>
      b.locationId({ name: f.name, file: f.file ?? '', line: f.line ?? 0, startLine: f.line ?? 0 }),
    );
    b.addSample(ids.reverse(), values);
  }
  return b.build();
}

const ms = 1e6;
const goCpu = [
  { type: 'samples', unit: 'count' },
  { type: 'cpu', unit: 'nanoseconds' },
];

test('Go: regexp.MustCompile per call is located at the own caller, with the stack root..matched leaf', () => {
  const main = { name: 'main.main', file: '/src/app/main.go', line: 10 };
  const handle = { name: 'main.handle', file: '/src/app/main.go', line: 22 };
  const p = build(goCpu, [
    [
      [
        main,
        handle,
        { name: 'regexp.MustCompile', file: '/usr/lib/go/src/regexp/regexp.go' },
        { name: 'regexp/syntax.Parse' },
      ],
      [30, 300 * ms],
    ],
    [
      [main, handle, { name: 'regexp.(*Regexp).MatchString' }],
      [10, 100 * ms],
    ],
    [
      [main, { name: 'main.work', file: '/src/app/main.go', line: 40 }],
      [60, 600 * ms],
    ],
  ]);
  const d = diagnoseProfile(p);
  const regex = d.findings.find((f) => f.category === 'regex');
  assert.ok(regex, d.findings.map((f) => f.pattern_id).join(', '));
  assert.equal(regex.pattern_id, 'go-regexp-compile');
  assert.deepEqual(regex.location, { function: 'main.handle', file: '/src/app/main.go', line: 22 });
  assert.deepEqual(regex.stack, ['main.main', 'main.handle', 'regexp.MustCompile', 'regexp/syntax.Parse']);
  assert.equal(regex.evidence.cpu_share.value, 30);
  assert.equal(regex.evidence.cpu_time.value, 0.3);
  assert.equal(regex.severity, 'high');
});

test('Go: mallocgc and GC workers give allocation and gc findings; ranking puts the larger first', () => {
  const main = { name: 'main.main', file: '/src/app/main.go', line: 5 };
  const p = build(goCpu, [
    [
      [main, { name: 'main.build', file: '/src/app/main.go', line: 9 }, { name: 'runtime.mallocgc' }],
      [25, 250 * ms],
    ],
    [
      [{ name: 'runtime.gcBgMarkWorker' }, { name: 'runtime.gcDrain' }, { name: 'runtime.scanobject' }],
      [35, 350 * ms],
    ],
    [
      [main, { name: 'main.sum', file: '/src/app/main.go', line: 30 }],
      [40, 400 * ms],
    ],
  ]);
  const d = diagnoseProfile(p);
  const cats = d.findings.map((f) => f.category);
  assert.ok(cats.includes('allocation') && cats.includes('gc'), cats.join(', '));
  const alloc = d.findings.find((f) => f.category === 'allocation');
  assert.equal(alloc?.location.function, 'main.build');
  for (let i = 1; i < d.findings.length; i++) assert.ok(d.findings[i - 1].impact >= d.findings[i].impact);
});

test('native: futex and malloc frames under a C program; a plain compute profile stays quiet', () => {
  const main = { name: 'main', file: '/src/prog.c', line: 3 };
  const worker = { name: 'worker', file: '/src/prog.c', line: 20 };
  const contended = build(
    [{ type: 'samples', unit: 'count' }],
    [
      [[{ name: 'start_thread' }, worker, { name: 'pthread_mutex_lock' }, { name: '__lll_lock_wait' }], [40]],
      [[{ name: 'start_thread' }, worker, { name: 'compute', file: '/src/prog.c', line: 50 }], [60]],
    ],
  );
  const lock = diagnoseProfile(contended).findings.find((f) => f.category === 'lock-contention');
  assert.equal(lock?.location.function, 'worker');
  assert.equal(lock?.evidence.cpu_share.value, 40);

  const clean = build(
    [{ type: 'samples', unit: 'count' }],
    [
      [[main, { name: 'mandelbrot', file: '/src/prog.c', line: 30 }], [900]],
      [[main, { name: 'putpixel', file: '/src/prog.c', line: 60 }], [100]],
    ],
  );
  const d = diagnoseProfile(clean);
  assert.equal(d.classification.kind, 'cpu-bound');
  const loud = d.findings.filter((f) => f.category !== 'cpu-hotspot' && severityRank(f.severity) >= 2);
  assert.deepEqual(loud, []);
  assert.equal(d.findings[0].category, 'cpu-hotspot');
  assert.equal(d.findings[0].location.function, 'mandelbrot');
});

test('JVM: Pattern.compile via String.replaceAll is attributed to the application method', () => {
  const app = { name: 'com.example.Cleaner.clean', file: 'Cleaner.java', line: 14 };
  const p = build(
    [{ type: 'cpu', unit: 'nanoseconds' }],
    [
      [
        [
          { name: 'com.example.Main.main', file: 'Main.java', line: 3 },
          app,
          { name: 'java.lang.String.replaceAll' },
          { name: 'java.util.regex.Pattern.compile' },
        ],
        [200 * ms],
      ],
      [
        [
          { name: 'com.example.Main.main', file: 'Main.java', line: 3 },
          { name: 'com.example.Main.loop', file: 'Main.java', line: 9 },
        ],
        [800 * ms],
      ],
    ],
  );
  const regex = diagnoseProfile(p).findings.find((f) => f.category === 'regex');
  assert.equal(regex?.pattern_id, 'jvm-pattern-compile');
  assert.equal(regex?.location.function, 'com.example.Cleaner.clean');
  assert.equal(regex?.severity, 'medium');
});

test('metrics given with a profile drive process-level findings (tiny syscalls, gc share)', () => {
  const p = build(goCpu, [[[{ name: 'main.main', file: '/src/main.go', line: 1 }], [10, 100 * ms]]]);
  const d = diagnoseProfile(p, {
    syscalls_per_s: 40000,
    bytes_per_syscall: 16,
    cpu_utilisation: 0.9,
    gc_share: 0.3,
    timeseries_samples: 20,
  });
  const sys = d.findings.find((f) => f.pattern_id === 'process-tiny-syscalls');
  assert.equal(sys?.severity, 'medium');
  assert.deepEqual(sys?.evidence.syscalls_per_s, { value: 40000, unit: '/s', source: 'metrics' });
  assert.ok(d.findings.some((f) => f.category === 'gc'));
  assert.equal(d.classification.kind, 'gc-bound');
});

test('allocation churn: a high young-generation collection rate is allocation even when GC time is small', () => {
  const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];
  const main = { name: '(anonymous)', file: '/app/ingest.mjs', line: 1 };
  const p = build(cpu, [
    [
      [
        main,
        { name: 'ingest', file: '/app/ingest.mjs', line: 20 },
        { name: 'parseLine', file: '/app/ingest.mjs', line: 9 },
      ],
      [900 * ms],
    ],
    [[main, { name: 'ingest', file: '/app/ingest.mjs', line: 20 }], [100 * ms]],
  ]);
  const churn = {
    gc_share: 0.045,
    gc_count: 417,
    gc_pause_ms: 60,
    gc_minor_count: 417,
    gc_minor_pause_ms: 60,
  };
  const d = diagnoseProfile(p, { ...churn, gc_minor_per_cpu_s: 300 });
  const f = d.findings.find((x) => x.category === 'allocation');
  assert.equal(f?.pattern_id, 'allocation-churn');
  assert.equal(f?.severity, 'medium');
  assert.equal(f?.location.function, 'parseLine');
  assert.deepEqual(f?.evidence.gc_minor_per_cpu_s, { value: 300, unit: '/CPU s', source: 'node metrics' });
  // A compute loop that scavenges a few times a second is not churning.
  const quiet = diagnoseProfile(p, { ...churn, gc_count: 9, gc_minor_count: 9, gc_minor_per_cpu_s: 7 });
  assert.ok(!quiet.findings.some((x) => x.category === 'allocation' || x.category === 'gc'));
});

test('node metrics: scavenges (kind 1) and minor mark-sweeps (16) are young-generation collections', () => {
  const events = [
    ...Array.from({ length: 30 }, (_, i) => ({ t: i, durationMs: 0.5, kind: 1 })),
    { t: 40, durationMs: 20, kind: 4 },
    { t: 41, durationMs: 2, kind: 16 },
  ];
  const p = nodeProcessFeatures({
    pid: 1,
    startedAt: 0,
    endedAt: 2000,
    gc: { count: 32, totalPauseMs: 37, events },
  });
  assert.equal(p.gc_minor_count, 31);
  assert.equal(p.gc_minor_pause_ms, 17);
  assert.equal(nodeMetricsOf([p]).gc_minor_per_cpu_s, 15.5);
});

test('JVM: list scans in a loop are algorithmic, from the collection frames or the hot source line', () => {
  const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-jvm-src-'));
  const file = join(dir, 'Matcher.java');
  writeFileSync(
    file,
    [
      'class Matcher {',
      '  static int match(java.util.List<String> a, java.util.List<String> b, java.util.Set<String> s) {',
      '    int n = 0;',
      '    for (String x : b) {',
      '      if (a.contains(x)) n++;',
      '      if (s.contains(x)) n++;',
      '    }',
      '    return n;',
      '  }',
      '}',
    ].join('\n'),
  );
  const main = { name: 'Matcher.main', file, line: 20 };
  const scan = build(cpu, [
    [
      [
        main,
        { name: 'Matcher.match', file, line: 5 },
        { name: 'java/util/ArrayList.contains' },
        { name: 'java/util/ArrayList.indexOfRange' },
      ],
      [800 * ms],
    ],
    [[main, { name: 'Matcher.match', file, line: 4 }], [200 * ms]],
  ]);
  const f = diagnoseProfile(scan).findings.find((x) => x.category === 'algorithmic');
  assert.equal(f?.pattern_id, 'jvm-linear-scan');
  assert.equal(f?.location.function, 'Matcher.match');
  assert.equal(f?.severity, 'high');
  // A profiler without inlined frames: the own hot line calling contains stands for the scan.
  const inlined = build(cpu, [
    [[main, { name: 'Matcher.match', file, line: 5 }], [600 * ms]],
    [[main, { name: 'Matcher.match', file, line: 4 }], [400 * ms]],
  ]);
  const g = diagnoseProfile(inlined).findings.find((x) => x.category === 'algorithmic');
  assert.equal(g?.pattern_id, 'jvm-linear-scan');
  assert.equal(g?.location.line, 5);
  // A hashed set's contains on the hot line is not a scan.
  const hashed = build(cpu, [
    [[main, { name: 'Matcher.match', file, line: 6 }, { name: 'java/util/HashMap.getNode' }], [900 * ms]],
    [[main, { name: 'Matcher.match', file, line: 4 }], [100 * ms]],
  ]);
  assert.ok(!diagnoseProfile(hashed).findings.some((x) => x.category === 'algorithmic'));
});

test('an empty profile is insufficient-data, not a guess', () => {
  const d = diagnoseProfile(build(goCpu, []));
  assert.equal(d.classification.kind, 'insufficient-data');
  assert.deepEqual(d.findings, []);
});

test('run variance: steady runs are quiet, wall time swinging with steady CPU is a finding', () => {
  const ctx = { verifyHint: '' };
  const steady = [1, 1.02, 0.99, 1.01].map((w) => ({ wall_s: w, cpu_s: w * 0.9 }));
  assert.deepEqual(runVariance(steady, ctx), []);
  const swinging = [1, 1.9, 0.8, 1.5].map((w) => ({ wall_s: w, cpu_s: 0.5 }));
  const [f] = runVariance(swinging, ctx);
  assert.equal(f.pattern_id, 'run-variance');
  assert.equal(f.category, 'sleep-wait');
  assert.equal(f.evidence.wall_s_max.value, 1.9);
  assert.ok(f.evidence.wall_s_cv.value > 0.25);
});
