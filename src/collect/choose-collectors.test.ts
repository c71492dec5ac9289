import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseCollectors, interpreterOfShebang, runtimeOf } from './choose-collectors.js';

const noFile = () => undefined;

test('program names pick their runtime profiler, system always', () => {
  assert.deepEqual(chooseCollectors(['node', 'app.js'], noFile), ['system', 'node']);
  assert.deepEqual(chooseCollectors(['/usr/bin/npx', 'jest'], noFile), ['system', 'node']);
  assert.deepEqual(chooseCollectors(['npm', 'test'], noFile), ['system', 'node']);
  assert.deepEqual(chooseCollectors(['python3.12', '-m', 'x'], noFile), ['system', 'python']);
  assert.deepEqual(chooseCollectors(['python'], noFile), ['system', 'python']);
  assert.deepEqual(chooseCollectors(['java', '-jar', 'a.jar'], noFile), ['system', 'jvm']);
  assert.deepEqual(chooseCollectors(['./a.out'], noFile), ['system', 'perf']);
  assert.deepEqual(chooseCollectors(['pythonista'], noFile), ['system', 'perf']);
});

test('env and shebang lines are followed', () => {
  assert.equal(runtimeOf(['env', 'FOO=1', 'node', 'x.js'], noFile), 'node');
  assert.deepEqual(interpreterOfShebang('#!/usr/bin/env -S python3 -u'), ['python3', '-u']);
  assert.deepEqual(interpreterOfShebang('#!/bin/sh -e'), ['/bin/sh', '-e']);
  assert.equal(interpreterOfShebang('not a script'), undefined);
  const lines: Record<string, string> = {
    './tool': '#!/usr/bin/env node',
    './s.py': '#!/usr/bin/python3',
    './x.sh': '#!/bin/sh',
  };
  assert.equal(
    runtimeOf(['./tool'], (p) => lines[p]),
    'node',
  );
  assert.equal(
    runtimeOf(['./s.py'], (p) => lines[p]),
    'python',
  );
  assert.equal(
    runtimeOf(['./x.sh'], (p) => lines[p]),
    'native',
  );
});

test('--collectors overrides and rejects unknown names', () => {
  assert.deepEqual(chooseCollectors(['node'], noFile, 'perf, system,perf'), ['perf', 'system']);
  assert.throws(() => chooseCollectors(['node'], noFile, 'nope'), /unknown collector 'nope'/);
});
