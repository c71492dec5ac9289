import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { importFlamebearer } from '../../src/formats/flamebearer.js';
import { defaultSampleTypeIndex, frameNamesRootFirst } from '../../src/model/profile.js';
import { startTestServer, type TestServer } from './harness.js';

const T0 = 1_700_000_000;
const ALLOC = 'memory:alloc_objects:count:space:bytes';

/** A folded profile with shared prefixes, values on inner nodes, non-ASCII and a deep stack. */
const FOLDED: Record<string, number> = {
  'main;work;hash': 10,
  'main;work': 4,
  'main;work;hash;sha256': 7,
  'main;idle': 3,
  'main;wörk;λ': 2,
  'main;worker;run': 5,
  [Array.from({ length: 300 }, (_, i) => `deep${i}`).join(';')]: 1,
  'other;x': 9,
};

function uvarint(n: number, out: number[]): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

interface EncNode {
  name: Uint8Array;
  value: number;
  children: EncNode[];
}

function serialize(root: EncNode): Uint8Array {
  const out: number[] = [];
  const visit = (n: EncNode) => {
    uvarint(n.name.length, out);
    out.push(...n.name);
    uvarint(n.value, out);
    uvarint(n.children.length, out);
    for (const c of n.children) visit(c);
  };
  visit(root);
  return Uint8Array.from(out);
}

/** encodeTree: one node per frame, self values, children sorted by name (as Pyroscope writes). */
function encodeTree(folded: Record<string, number>): Uint8Array {
  const utf8 = new TextEncoder();
  const root: EncNode = { name: new Uint8Array(0), value: 0, children: [] };
  for (const [key, value] of Object.entries(folded)) {
    let node = root;
    for (const frame of key.split(';')) {
      const name = utf8.encode(frame);
      let child = node.children.find((c) => Buffer.from(c.name).equals(name));
      if (!child) {
        child = { name, value: 0, children: [] };
        node.children.push(child);
        node.children.sort((a, b) => Buffer.compare(a.name, b.name));
      }
      node = child;
    }
    node.value += value;
  }
  return serialize(root);
}

/** encodeTrie: a byte-level trie of the folded keys, single-child chains compressed into fragments. */
function encodeTrie(folded: Record<string, number>): Uint8Array {
  interface ByteNode {
    value: number;
    children: Map<number, ByteNode>;
  }
  const utf8 = new TextEncoder();
  const root: ByteNode = { value: 0, children: new Map() };
  for (const [key, value] of Object.entries(folded)) {
    let node = root;
    for (const b of utf8.encode(key)) {
      let child = node.children.get(b);
      if (!child) {
        child = { value: 0, children: new Map() };
        node.children.set(b, child);
      }
      node = child;
    }
    node.value += value;
  }
  const compress = (first: number, start: ByteNode): EncNode => {
    const name = [first];
    let node = start;
    while (node.value === 0 && node.children.size === 1) {
      const [[b, next]] = [...node.children];
      name.push(b);
      node = next;
    }
    return { name: Uint8Array.from(name), value: node.value, children: kids(node) };
  };
  const kids = (n: ByteNode) => [...n.children].sort((a, b) => a[0] - b[0]).map(([b, c]) => compress(b, c));
  return serialize({ name: new Uint8Array(0), value: root.value, children: kids(root) });
}

/** foldedOf turns a render response back into folded stacks (`a;b` -> self value). */
function foldedOf(body: unknown): Record<string, number> {
  const [p] = importFlamebearer(new TextEncoder().encode(JSON.stringify(body)), { source: 'render' });
  const t = defaultSampleTypeIndex(p);
  const out: Record<string, number> = {};
  for (const s of p.samples) {
    const key = frameNamesRootFirst(p, s).join(';');
    out[key] = (out[key] ?? 0) + s.values[t];
  }
  return out;
}

describe('ingest: trie and tree bodies', () => {
  let server: TestServer;
  const post = (query: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/ingest?${query}&from=${T0}&until=${T0 + 10}`, {
      method: 'POST',
      body: new Uint8Array(body),
      headers,
    });
  const render = async (service: string) => {
    const q = encodeURIComponent(`${ALLOC}{service_name="${service}"}`);
    const r = await fetch(`${server.url}/pyroscope/render?query=${q}&from=${T0}&until=${T0 + 60}`);
    assert.equal(r.status, 200);
    return r.json();
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("Pyroscope's own examples: trie cuts keys mid-frame, tree holds whole frames", async () => {
    const trie = Buffer.from('\x00\x00\x01\x06foo;ba\x00\x02\x01r\x02\x00\x01z\x03\x00', 'latin1');
    const tree = Buffer.from('\x00\x00\x01\x03foo\x00\x02\x03bar\x02\x00\x03baz\x03\x00', 'latin1');
    assert.equal((await post('name=pytrie.alloc_objects&format=trie', trie)).status, 200);
    assert.equal((await post('name=pytree.alloc_objects&format=tree', tree)).status, 200);
    // Older agents name the format by Content-Type alone.
    const headers = (f: string) => ({ 'content-type': `binary/octet-stream+${f}` });
    assert.equal((await post('name=cttrie.alloc_objects', trie, headers('trie'))).status, 200);
    assert.equal((await post('name=cttree.alloc_objects', tree, headers('tree'))).status, 200);
    for (const app of ['pytrie', 'pytree', 'cttrie', 'cttree']) {
      assert.deepEqual(foldedOf(await render(app)), { 'foo;bar': 2, 'foo;baz': 3 }, app);
    }
  });

  test('a known folded profile round-trips through both encodings', async () => {
    const trie = encodeTrie(FOLDED);
    const tree = encodeTree(FOLDED);
    // The trie really is prefix-compressed: `main;work 4` is the fragments main; + w + ork.
    assert.ok(Buffer.from(trie).includes(Buffer.from('\x03ork\x04\x02', 'latin1')));
    assert.equal((await post('name=rttrie.alloc_objects&format=trie', trie)).status, 200);
    assert.equal((await post('name=rttree.alloc_objects&format=tree', gzipSync(tree))).status, 200);
    assert.deepEqual(foldedOf(await render('rttrie')), FOLDED);
    assert.deepEqual(foldedOf(await render('rttree')), FOLDED);
  });

  test('cpu sample counts are scaled like folded input', async () => {
    const r = await post('name=cputree.cpu&format=tree&sampleRate=100', encodeTree({ 'a;b': 3 }));
    assert.equal(r.status, 200);
    const q = encodeURIComponent('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="cputree"}');
    const fb = (await (
      await fetch(`${server.url}/pyroscope/render?query=${q}&from=${T0}&until=${T0 + 60}`)
    ).json()) as { flamebearer: { numTicks: number } };
    assert.equal(fb.flamebearer.numTicks, 3 * 10_000_000);
  });

  test('truncated or garbled bodies get 422 at every offset and the server keeps serving', async () => {
    const bodies = { trie: encodeTrie(FOLDED), tree: encodeTree(FOLDED) };
    for (const [format, body] of Object.entries(bodies)) {
      const offsets = new Set<number>([1, 2, 3, body.length - 1, body.length - 2]);
      for (let i = 4; i < body.length - 2; i += Math.max(1, Math.floor(body.length / 30))) offsets.add(i);
      for (const at of offsets) {
        const r = await post(`name=cut.alloc_objects&format=${format}`, body.subarray(0, at));
        assert.equal(r.status, 422, `${format} cut at ${at}/${body.length}: ${await r.text()}`);
      }
      const trailing = Buffer.concat([body, Buffer.from([0])]);
      assert.equal((await post(`name=cut.alloc_objects&format=${format}`, trailing)).status, 422);
    }
    const garbage: Array<[string, number[]]> = [
      ['name longer than the body', [0x7f, 0x61, 0x00, 0x00]],
      ['a billion children', [0x00, 0x00, 0x80, 0x94, 0xeb, 0xdc, 0x03]],
      ['varint of 11 bytes', [0x00, ...new Array(11).fill(0xff), 0x00]],
      ['value beyond 2^53', [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]],
    ];
    for (const [what, bytes] of garbage) {
      for (const format of ['trie', 'tree']) {
        const r = await post(`name=bad.alloc_objects&format=${format}`, Uint8Array.from(bytes));
        assert.equal(r.status, 422, `${format}: ${what}`);
      }
    }
    // A chain deeper than the limit is refused as too large, without quadratic work.
    const deep: number[] = [];
    for (let i = 0; i < 10_000; i++) deep.push(0x01, 0x61, 0x01, 0x01);
    deep.push(0x00, 0x01, 0x00);
    const r = await post('name=bad.alloc_objects&format=tree', Uint8Array.from(deep));
    assert.equal(r.status, 413);
    assert.equal((await post('name=stillok.alloc_objects&format=tree', encodeTree({ a: 1 }))).status, 200);
    assert.deepEqual(foldedOf(await render('stillok')), { a: 1 });
  });
});
