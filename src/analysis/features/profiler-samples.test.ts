import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProfileBuilder } from '../../model/builder.js';
import { isAutoprofFile, withoutProfilerSamples } from './profiler-samples.js';
import { viewsOfProfile } from './sample-views.js';

test('autoprof files: preload, sampler and agent in every install shape; program files are not', () => {
  for (const file of [
    'file:///tmp/autoprof-node-preload-9207a939c4ab.cjs',
    '/usr/lib/node_modules/autoprof/dist/collect/node-preload.cjs',
    '/home/me/autoprof/src/collect/node-preload.cts',
    '/opt/autoprof/src/collect/py-sampler/autoprof_sampler.py',
    '/opt/autoprof/src/collect/py-sampler/sitecustomize.py',
    '/srv/app/node_modules/autoprof/dist/agent/agent.cjs',
    '/srv/app/node_modules/autoprof/dist/agent/pprof-writer.cjs',
    '/repo/node_modules/.cache/autoprof-agent-0123456789ab/push-queue.cjs',
    // This checkout itself, whatever its folder is called.
    fileURLToPath(new URL('../../agent/agent.cts', import.meta.url)),
    fileURLToPath(new URL('../../../dist/collect/node-preload.cjs', import.meta.url)),
  ])
    assert.ok(isAutoprofFile(file), file);
  for (const file of [
    '',
    '/srv/app/src/preload.js',
    '/srv/app/src/agent/agent.ts',
    '/srv/app/sitecustomize.py',
    '/usr/lib/python3.11/sitecustomize.py',
    'file:///srv/app/node-preload.cjs',
    '/srv/app/dist/agent/agent.cjs',
    '/srv/app/src/collect/node-preload.cts',
  ])
    assert.ok(!isAutoprofFile(file), file);
});

test('profiler samples: stacks through autoprof code and profiler threads are left out and counted', () => {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  const main = { name: 'main', file: '/srv/app/main.js', line: 1 };
  const hot = { name: 'hotLoop', file: '/srv/app/main.js', line: 9 };
  const preload = { name: 'writeAll', file: 'file:///tmp/autoprof-node-preload-9207a939c4ab.cjs', line: 40 };
  b.addStackRootFirst([main, hot], [700]);
  // The preload writing its profile at exit calls into node's fs: the whole stack is ours.
  b.addStackRootFirst([preload, { name: 'writeFileSync', file: 'node:fs', line: 1 }], [200]);
  // A Python sampler frame rendered "func (file:line)" without a file.
  b.addStackRootFirst(['_tick (/opt/autoprof/src/collect/py-sampler/autoprof_sampler.py:300)'], [50]);
  // perf's sample of the sampler's thread, named by the thread, in libpython.
  b.addStackRootFirst(
    [{ name: '_PyEval_EvalFrameDefault', file: '/usr/lib/libpython3.11.so' }],
    [50],
    [{ key: 'comm', str: 'autoprof-sample' }],
  );
  const [view] = viewsOfProfile(b.build(), 'cpu');
  assert.equal(view.total, 1000);
  const split = withoutProfilerSamples(view);
  assert.equal(split.removed, 300);
  assert.equal(split.view.total, 700);
  assert.equal(split.view.profile.samples.length, 1);
  const names = split.view.profile.samples[0].locationIds.map(
    (id) => split.view.profile.functions[split.view.profile.locations[id - 1].lines[0].functionId - 1].name,
  );
  assert.deepEqual(names, ['hotLoop', 'main']);
});

test('profiler samples: a profile without autoprof code is returned as it was', () => {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  b.addStackRootFirst([{ name: 'main', file: '/srv/app/main.py', line: 1 }], [10]);
  const [view] = viewsOfProfile(b.build(), 'cpu');
  const split = withoutProfilerSamples(view);
  assert.equal(split.removed, 0);
  assert.equal(split.view, view);
});
