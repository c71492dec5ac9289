/** packageOfFrame on Python standard library frames: files under lib/pythonX.Y and frozen modules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packageOfFrame } from './frame-package.js';

test('a frozen CPython module (<frozen posixpath>) is the standard library', () => {
  assert.deepEqual(packageOfFrame('expandvars', '<frozen posixpath>'), { name: 'python-stdlib' });
  assert.deepEqual(packageOfFrame('_find_and_load', '<frozen importlib._bootstrap>'), {
    name: 'python-stdlib',
  });
});

test('a stdlib file names its Python version; other pseudo-files name no package', () => {
  assert.deepEqual(packageOfFrame('_in_document', '/opt/py/lib/python3.11/xml/dom/minidom.py'), {
    name: 'python-stdlib',
    version: '3.11',
  });
  assert.equal(packageOfFrame('<module>', '<string>'), undefined);
  assert.equal(packageOfFrame('f', '<frozen>'), undefined);
});
