import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileBuilder } from './builder.js';
import {
  commonRootOf,
  identifySides,
  renamedLocations,
  stableLocation,
  withStableLocations,
} from './function-identity.js';

const roots = { projectRoots: ['/home/ci/work/base'] };

test('stable locations drop what differs between checkouts and machines', () => {
  const cases: Array<[string, string]> = [
    ['file:///home/ci/work/base/src/app.mjs', 'src/app.mjs'],
    ['/home/ci/work/base/src/app.mjs', 'src/app.mjs'],
    ['file:///home/ci/work/base/src/my%20app.mjs', 'src/my app.mjs'],
    [
      '/home/ci/work/base/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/lodash.js',
      'node_modules/lodash/lodash.js',
    ],
    ['/srv/venv/lib/python3.11/site-packages/requests/api.py', 'site-packages/requests/api.py'],
    ['/usr/lib/python3/dist-packages/yaml/parser.py', 'dist-packages/yaml/parser.py'],
    ['/usr/lib/python3.11/json/decoder.py', '<prefix>/lib/python3.11/json/decoder.py'],
    ['/opt/py/lib/python3.11/json/decoder.py', '<prefix>/lib/python3.11/json/decoder.py'],
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', 'libc.so.6'],
    ['jar:file:/home/u/.m2/repository/org/x/x-1.2.jar!/org/x/Parser.class', 'x-1.2.jar!/org/x/Parser.class'],
    ['node:internal/modules/cjs/loader', 'node:internal/modules/cjs/loader'],
    ['<frozen importlib._bootstrap>', '<frozen importlib._bootstrap>'],
    ['C:\\work\\base\\src\\app.js', 'C:/work/base/src/app.js'],
    ['/elsewhere/tool.js', '/elsewhere/tool.js'],
    ['', ''],
  ];
  for (const [file, want] of cases) assert.equal(stableLocation(file, roots), want, file);
});

test('the longest project root wins, and a root must be a whole folder', () => {
  const nested = { projectRoots: ['/w/repo', '/w/repo/packages/api'] };
  assert.equal(stableLocation('/w/repo/packages/api/src/h.js', nested), 'src/h.js');
  assert.equal(stableLocation('/w/repo-old/src/h.js', nested), '/w/repo-old/src/h.js');
});

test('the common root ignores the file system root', () => {
  assert.equal(commonRootOf(['/srv/a/src/x.js', '/srv/a/lib/y.js']), '/srv/a');
  assert.equal(commonRootOf(['/srv/a/x.js', '/opt/b/y.js']), undefined);
  assert.equal(commonRootOf([]), undefined);
});

function service(root: string, files: Record<string, string>, costs: Record<string, number>) {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  for (const [fn, cost] of Object.entries(costs)) {
    b.addStackRootFirst(
      [
        { name: 'main', file: `file://${root}/src/main.js` },
        { name: fn, file: `file://${root}/${files[fn]}` },
      ],
      [cost],
    );
  }
  return b.build();
}

test('withStableLocations infers the root from the profile alone when none is given', () => {
  const p = withStableLocations(service('/srv/app-v1', { a: 'src/a.js' }, { a: 1 }));
  assert.deepEqual(
    p.functions.map((f) => f.filename),
    ['main.js', 'a.js'],
  );
});

test('identifySides aligns two deployments and files moved under a unique name', () => {
  const base = service(
    '/srv/app-v1',
    { parse: 'src/parse.js', render: 'src/view.js', helper: 'src/a.js', helper2: 'src/b.js' },
    { parse: 5, render: 3, helper: 1, helper2: 1 },
  );
  const head = service(
    '/opt/deploy/releases/42',
    { parse: 'src/parse.js', render: 'src/render/view.js', helper: 'src/c.js', helper2: 'src/b.js' },
    { parse: 5, render: 3, helper: 1, helper2: 1 },
  );
  const sides = identifySides([base], [head]);
  const files = (p: typeof base) => p.functions.map((f) => `${f.name} ${f.filename}`).sort();
  // parse: same relative path; render: moved, matched by its unique name to the head's file;
  // helper: unique too, so matched; helper2 was never ambiguous.
  assert.deepEqual(files(sides.base[0]), files(sides.head[0]));
  assert.ok(files(sides.head[0]).includes('render render/view.js'));
});

test('a name on several unmatched locations is ambiguous and not matched', () => {
  const moves = renamedLocations(
    [
      { name: 'handler', location: 'a.js' },
      { name: 'handler', location: 'b.js' },
    ],
    [
      { name: 'handler', location: 'c.js' },
      { name: 'handler', location: 'd.js' },
    ],
  );
  assert.equal(moves.size, 0);
});
