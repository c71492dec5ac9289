import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FormatError } from '../errors.js';
import { frameNamesRootFirst } from '../model/profile.js';
import { importFromPerfScript, sniffPerfScript } from './perf-script.js';
import {
  collapsePerfScript,
  matchEventHeader,
  matchEventName,
  matchFrameLine,
  perlNumberString,
  StackCollapser,
  stripSymbolOffset,
  tidyGeneric,
} from './stackcollapse-perf.js';

const SAMPLE = [
  '# cmdline : /usr/bin/perf record -g',
  'java 12688/12764 [002] 6544038.708352:   250000 cpu-clock: ',
  '\t    7f1a2b3c Lorg/foo/Bar;.baz(I)V+0x1f (/tmp/perf-12688.map)',
  '\t    ffffffff8103ce3b native_safe_halt ([kernel.kallsyms])',
  '\t           0 [unknown] (/usr/lib/libc.so.6)',
  '',
  'V8 WorkerThread 25607 4794564.109216: 250000 cpu-clock:',
  '\t    1234 main (/bin/node)',
  '',
  '',
].join('\n');

describe('line grammar (the script regexes, spelled out)', () => {
  test('event header: lazy comm with spaces, pid/tid, TID-only', () => {
    assert.deepEqual(matchEventHeader('V8 WorkerThread 24636/25607 [000] 94564.109216: cycles:'), {
      comm: 'V8 WorkerThread',
      first: '24636',
      second: '25607',
    });
    assert.deepEqual(matchEventHeader('java 25607 4794564.109216: cycles:'), {
      comm: 'java',
      first: '25607',
      second: undefined,
    });
    assert.equal(matchEventHeader('\t ffff main (/bin/x)'), undefined);
    assert.equal(matchEventHeader('a;b;c 12'), undefined, 'collapsed text is not a header');
  });

  test('event name and period', () => {
    assert.deepEqual(matchEventName('dd 29776 666709.771979:   10101010 cpu-clock: '), {
      event: 'cpu-clock',
      period: '10101010',
    });
    assert.deepEqual(matchEventName('emulator  4152 75695.008865:          1 cycles:u: '), {
      event: 'cycles:u',
      period: '1',
    });
    assert.deepEqual(matchEventName('x 1 [001] 1.5: instructions: '), {
      event: 'instructions',
      period: undefined,
    });
    assert.equal(matchEventName('func_ab 15294 cpu-clock: '), undefined);
  });

  test('frame line: greedy like Perl (checked with perl -e on the same line)', () => {
    assert.deepEqual(matchFrameLine('\t  4005f0 foo(int) const (/a b/x (deleted))'), {
      pc: '4005f0',
      rawFunc: 'foo(int) const (/a b/x',
      module: 'deleted)',
    });
    assert.deepEqual(matchFrameLine('  abc (x)'), { pc: 'ab', rawFunc: 'c', module: 'x' });
    assert.equal(matchFrameLine('\t THIS_IS_A_WEIRD_LINE'), undefined);
  });

  test('tidying and offsets', () => {
    assert.equal(stripSymbolOffset('cpu_startup_entry+0x800047c022ec'), 'cpu_startup_entry');
    assert.equal(stripSymbolOffset('foo+0xABC'), 'foo+0xABC', 'only lowercase hex, as the script');
    assert.equal(tidyGeneric('a;b(int)'), 'a:b');
    assert.equal(tidyGeneric('net/http.(*Client).Do'), 'net/http.(*Client).Do');
    assert.equal(tidyGeneric('(anonymous namespace)::f(int)'), '(anonymous namespace)::f');
    assert.equal(tidyGeneric(`RegExp:[&<>"']`), 'RegExp:[&<>]');
  });

  test('counts print like Perl numbers', () => {
    assert.equal(perlNumberString(42), '42');
    assert.equal(perlNumberString(18446744073709551615n), '18446744073709551615');
    assert.equal(perlNumberString(100000000000000000000n), '1e+20');
  });
});

describe('StackCollapser', () => {
  test('folds, weights by period, annotates, sorts by byte order', () => {
    const out = collapsePerfScript(SAMPLE, { all: true });
    assert.equal(
      out,
      [
        'V8_WorkerThread;main 250000',
        'java;[libc.so.6];native_safe_halt_[k];org/foo/Bar:.baz_[j] 250000',
        '',
      ].join('\n'),
    );
    assert.match(collapsePerfScript(SAMPLE, { tid: true }), /^java-12688\/12764;/m);
    assert.match(collapsePerfScript(SAMPLE, { pid: true }), /^V8_WorkerThread-\?;main/m);
  });

  test('any chunking gives the same output', () => {
    const whole = collapsePerfScript(SAMPLE);
    for (const size of [1, 2, 7, 64]) {
      const c = new StackCollapser();
      for (let i = 0; i < SAMPLE.length; i += size) c.push(SAMPLE.slice(i, i + size));
      c.end();
      assert.equal(c.output(), whole, `chunk size ${size}`);
    }
  });

  test('like the script: unterminated last sample dropped, only the first event type kept', () => {
    const warnings: string[] = [];
    // (comm needs two characters: the script's `\S.+?`)
    const text =
      'aa 1 1.0: cycles:\n\t 1 f (/x)\n\nbb 2 2.0: instructions:\n\t 2 g (/x)\n\ncc 3 3.0: cycles:\n\t 3 h (/x)\n';
    assert.equal(
      collapsePerfScript(text, {}, (m) => warnings.push(m)),
      'aa;f 1\n',
    );
    assert.deepEqual(warnings, ['Filtering for events of type: instructions']);
  });

  test('garbage and non-UTF-8 bytes: lenient, byte-exact, warnings only', () => {
    const bytes = Buffer.concat([
      Buffer.from('pr\xf6c 7 1.0: cycles:\n\t 1 f\xe9 (/x)\n\n', 'latin1'),
      Buffer.from([0, 1, 2, 255, 10, 0x1f, 0x8b, 10]),
    ]);
    const warnings: string[] = [];
    const out = collapsePerfScript(bytes, {}, (m) => warnings.push(m));
    assert.deepEqual(Buffer.from(out, 'latin1'), Buffer.from('pr\xf6c;f\xe9 1\n', 'latin1'));
    assert.equal(warnings.length, 2);
  });
});

describe('perfScriptImporter', () => {
  test('sniffs perf script, not collapsed text', () => {
    assert.equal(sniffPerfScript(Buffer.from(SAMPLE)), true);
    assert.equal(sniffPerfScript(Buffer.from('java;main;foo 12\njava;main 3\n')), false);
    assert.equal(sniffPerfScript(Buffer.from('{"a": 1}')), false);
  });

  test('builds samples with comm/pid/tid labels and tidied frames', () => {
    const p = importFromPerfScript(Buffer.from(SAMPLE), { source: 't.txt' });
    assert.deepEqual(p.sampleTypes, [{ type: 'samples', unit: 'count' }]);
    assert.equal(p.samples.length, 2);
    assert.deepEqual(frameNamesRootFirst(p, p.samples[0]), [
      '[libc.so.6]',
      'native_safe_halt',
      'org/foo/Bar:.baz',
    ]);
    assert.deepEqual(p.samples[0].labels, [
      { key: 'comm', str: 'java' },
      { key: 'pid', num: 12688 },
      { key: 'tid', num: 12764 },
    ]);
    assert.deepEqual(p.samples[1].labels, [
      { key: 'comm', str: 'V8 WorkerThread' },
      { key: 'tid', num: 25607 },
    ]);
  });

  test('perf script without usable samples is a FormatError naming file and line', () => {
    const text = '# captured on: today\n\t???\n\t!!!\n';
    assert.throws(
      () => importFromPerfScript(Buffer.from(text), { source: 'bad.txt' }),
      (err: unknown) => err instanceof FormatError && /bad\.txt:2/.test(err.message),
    );
  });
});
