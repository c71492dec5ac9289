import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { ProcessTree, type ProcStat, parseProcStat, treeMembers } from './process-tree.js';

const tail = '0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0';

test('parseProcStat splits after the last parenthesis, so odd comm names survive', () => {
  const line = `4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 123456 ${tail}`;
  const s = parseProcStat(line);
  assert.equal(s?.pid, 4242);
  assert.equal(s?.comm, 'a) b (c');
  assert.equal(s?.state, 'S');
  assert.equal(s?.ppid, 1);
  assert.equal(s?.utimeTicks, 7);
  assert.equal(s?.stimeTicks, 3);
  assert.equal(s?.numThreads, 5);
  assert.equal(s?.startTicks, 123456);
  assert.equal(parseProcStat('garbage'), undefined);
});

function stat(pid: number, ppid: number, pgrp = pid, session = pgrp): ProcStat {
  return {
    pid,
    ppid,
    comm: 'x',
    state: 'S',
    pgrp,
    session,
    utimeTicks: 0,
    stimeTicks: 0,
    cutimeTicks: 0,
    cstimeTicks: 0,
    numThreads: 1,
    startTicks: pid,
    processor: 0,
  };
}

test('treeMembers: descendants, re-parented group members and known pids', () => {
  const stats = [
    stat(1, 0),
    stat(10, 1),
    stat(11, 10, 10),
    stat(12, 11, 10),
    stat(13, 1, 10),
    stat(20, 1),
    stat(21, 1, 21),
  ];
  const pids = (list: ProcStat[]) => list.map((s) => s.pid).sort((a, b) => a - b);
  assert.deepEqual(pids(treeMembers(10, stats)), [10, 11, 12, 13]);
  assert.deepEqual(pids(treeMembers(10, stats, new Set([21]))), [10, 11, 12, 13, 21]);
});

test('ProcessTree follows a real shell and its children', async () => {
  const child = spawn('sh', ['-c', 'sleep 0.6 & sleep 0.6; wait'], { detached: true, stdio: 'ignore' });
  const tree = new ProcessTree(child.pid!);
  await new Promise((r) => setTimeout(r, 200));
  const live = tree.poll();
  assert.ok(live.length >= 3, JSON.stringify(live));
  assert.deepEqual(tree.all().filter((r) => r.argv[0] === 'sleep').length, 2);
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(tree.alive(), []);
});

test('ProcessTree between full scans walks the children lists and finds the same tree', async () => {
  // A grandchild that daemonises (its parent exits, it is re-parented) stays known once seen.
  const child = spawn('sh', ['-c', '(sleep 0.8 &) ; sleep 0.8 & sleep 0.8; wait'], {
    detached: true,
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 250));
  const tree = new ProcessTree(child.pid!);
  const pids = (list: ProcStat[]) => list.map((s) => s.pid).sort((a, b) => a - b);
  const now = Date.now();
  const full = pids(tree.poll(now, true));
  const walked = pids(tree.poll(now + 1));
  assert.ok(full.length >= 4, JSON.stringify(full));
  assert.deepEqual(walked, full);
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(tree.alive(), []);
});
