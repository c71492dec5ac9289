import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameOrigin, hotspotOrigin } from './frame-origin.js';

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
    // A script's top level is the program's own code; the stdlib's top level is not.
    ['<module>', '/srv/tools/report.py', 'own'],
    ['<module>', '/usr/lib/python3.11/difflib.py', 'runtime'],
    ['<listcomp>', '/srv/tools/report.py', 'runtime'],
    // Native: the executable is the program, shared objects are libraries, the C library and
    // the interpreters' own executables are the runtime.
    ['main', '/tmp/build/prog', 'own'],
    ['pcre2_match_8', '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2', 'library'],
    ['re_search_internal', '/usr/lib/x86_64-linux-gnu/libc.so.6', 'runtime'],
    ['_PyEval_EvalFrameDefault', '/root/.pyenv/versions/3.11.9/bin/python3.11', 'runtime'],
    ['Builtins_RegExpExec', '/usr/local/bin/node', 'runtime'],
  ];
  for (const [name, file, origin] of cases) assert.equal(frameOrigin(name, file), origin, `${name} ${file}`);
});

test('hotspot origin separates dependencies, native libraries, runtime and kernel', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['handleOrder', '/srv/app/orders.js', undefined],
    ['parse', '/srv/app/node_modules/ms/index.js', 'dependency'],
    ['SequenceMatcher.find_longest_match', '/usr/lib/python3.11/difflib.py', 'runtime'],
    ['re_search_internal', '/usr/lib/x86_64-linux-gnu/libc.so.6', 'native-lib'],
    ['pcre2_match_8', '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0', 'native-lib'],
    ['_PyEval_EvalFrameDefault', '/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0', 'runtime'],
    ['clear_page_erms_[k]', '[kernel.kallsyms]', 'kernel'],
    ['RegExp: (a+)+$', '', 'runtime'],
  ];
  for (const [name, file, origin] of cases)
    assert.equal(hotspotOrigin(name, file), origin, `${name} ${file}`);
});
