import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodePprof } from '../../src/formats/pprof.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import { runCli } from '../cli.js';
import { nowSeconds, startTestServer } from '../server/harness.js';

/**
 * A 100k-frame stack (issue 23): every walk over a profile tree is iterative, so neither the CLI
 * nor the server overflows the JavaScript call stack however deep the input's stacks go.
 * Frames are distinct so no layer collapses the depth away.
 */

const DEPTH = 100_000;
const frames = Array.from({ length: DEPTH }, (_, i) => `deep_${i}`);
const dir = mkdtempSync(join(tmpdir(), 'autoprof-deep-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** pprofOf: one deep sample and one shallow one, root first. */
function pprofOf(leaf: string, value: number, type = { type: 'cpu', unit: 'nanoseconds' }): Uint8Array {
  const b = new ProfileBuilder([type]);
  b.addStackRootFirst([...frames, leaf], [value]);
  b.addStackRootFirst(['main', 'other'], [5]);
  const p = b.build();
  p.timeNanos = Date.now() * 1e6;
  p.durationNanos = 10e9;
  p.periodType = { ...type };
  return encodePprof(p);
}

test('the CLI diffs and lists 100k-frame stacks without overflowing the call stack', async () => {
  writeFileSync(join(dir, 'base.folded'), `${frames.join(';')} 10\nmain;other 5\n`);
  writeFileSync(
    join(dir, 'head.pb.gz'),
    gzipSync(pprofOf('new_leaf', 30, { type: 'samples', unit: 'count' })),
  );
  const top = await runCli(['top', join(dir, 'base.folded')], { timeoutMs: 120_000 });
  assert.equal(top.code, 0, top.stderr);
  assert.match(top.stdout, /deep_99999/);
  const diff = await runCli(
    ['diff', join(dir, 'base.folded'), join(dir, 'head.pb.gz'), '--out', join(dir, 'diff')],
    {
      timeoutMs: 120_000,
    },
  );
  // 1 = the gate tripped (the head is 3x the base); what matters is no internal error.
  assert.ok(diff.code === 0 || diff.code === 1, `exit ${diff.code}: ${diff.stderr}`);
  assert.doesNotMatch(diff.stderr, /internal error|call stack/i);
});

test('the server ingests 100k-frame stacks and answers every query over them', async () => {
  const server = await startTestServer();
  try {
    const from = nowSeconds() - 10;
    const folded = await fetch(`${server.url}/ingest?name=deep.cpu&from=${from}`, {
      method: 'POST',
      body: `${frames.join(';')};folded_leaf 10\nmain;other 5\n`,
    });
    assert.equal(folded.status, 200, await folded.text());
    const pprof = await fetch(`${server.url}/ingest?name=deep.cpu&format=pprof&from=${from}`, {
      method: 'POST',
      body: new Uint8Array(gzipSync(pprofOf('pprof_leaf', 20))),
    });
    assert.equal(pprof.status, 200, await pprof.text());

    const range = `from=now-1h&until=now%2B1h`;
    const gets = [
      `/pyroscope/render?query=deep.cpu{}&${range}&maxNodes=65536`,
      `/api/v1/flamegraph?query=deep.cpu{}&${range}`,
      `/api/v1/diff?baseQuery=deep.cpu{}&headQuery=deep.cpu{}&${range}`,
      `/pyroscope/render-diff?leftQuery=deep.cpu{}&rightQuery=deep.cpu{}&leftFrom=now-1h&leftUntil=now%2B1h&rightFrom=now-1h&rightUntil=now%2B1h`,
      `/api/v1/export/speedscope?query=deep.cpu{}&${range}`,
    ];
    for (const path of gets) {
      const r = await fetch(`${server.url}${path}`);
      const text = await r.text();
      assert.equal(r.status, 200, `${path}: ${text.slice(0, 300)}`);
      assert.match(text, /deep_99999/, path);
    }
    const types = await fetch(`${server.url}/querier.v1.QuerierService/ProfileTypes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const { profileTypes } = (await types.json()) as { profileTypes: Array<{ ID: string }> };
    const tree = await fetch(`${server.url}/querier.v1.QuerierService/SelectMergeStacktraces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        profileTypeID: profileTypes[0]?.ID,
        labelSelector: '{service_name="deep"}',
        start: Date.now() - 3600_000,
        end: Date.now() + 3600_000,
        format: 'PROFILE_FORMAT_TREE',
      }),
    });
    const body = (await tree.json()) as { tree?: string };
    assert.equal(tree.status, 200, JSON.stringify(body).slice(0, 300));
    const treeBytes = Buffer.from(body.tree ?? '', 'base64');
    assert.ok(
      treeBytes.includes('deep_99999'),
      `${treeBytes.length} bytes: ${treeBytes.toString('latin1').slice(-300)}`,
    );
  } finally {
    await server.close();
  }
});
