import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameOrigin } from './frame-origin.js';

test('frames are told apart by origin', () => {
  const cases: Array<[string, string, string]> = [
    ['handleOrder', '/srv/app/orders.js', 'own'],
    ['parse', '/srv/app/node_modules/qs/lib/parse.js', 'library'],
    ['readFileSync', 'node:fs', 'runtime'],
    ['_compile', '/usr/lib/python3.11/re/__init__.py', 'runtime'],
    ['loads', '/usr/lib/python3/dist-packages/yaml/__init__.py', 'library'],
    ['regexp.MustCompile', '', 'runtime'],
    ['regexp/syntax.Parse', '', 'runtime'],
    ['encoding/json.Marshal', '', 'runtime'],
    ['github.com/acme/shop/cart.Total', '', 'own'],
    ['main.handler', '', 'own'],
    ['com/acme/shop/Cart.total', '', 'own'],
    ['java/util/regex/Pattern.compile', '', 'runtime'],
    ['__lll_lock_wait', '', 'runtime'],
    ['do_syscall_64_[k]', '', 'kernel'],
    ['(garbage collector)', '', 'runtime'],
  ];
  for (const [name, file, origin] of cases) assert.equal(frameOrigin(name, file), origin, `${name} ${file}`);
});
