import type { Profile } from '../model/profile.js';
import { checkDeadline } from '../model/work-deadline.js';
import type { FlameLevels } from './levels.js';

/** ProfileLevelsOptions: which sample type, the node budget, and the root's name. */
export interface ProfileLevelsOptions {
  typeIndex?: number;
  maxNodes?: number;
  rootName?: string;
}

/**
 * profileLevels lays a profile out as flame graph levels without the intermediate trees: it
 * equals `toLevels(flameNodeFromCallTree(buildCallTree(p).root, typeIndex), {maxNodes})` (with
 * the root renamed) bar for bar, and also says how many nodes the whole tree has (`nodes`, the
 * count before the budget). The tree lives in flat typed arrays: one node per index, children
 * keyed by parent and function in one Map, so a 100k-node profile costs a few allocations rather
 * than two objects and three arrays per node.
 *
 * What it must keep from buildCallTree: nodes are keyed by function id (a location without lines
 * by its address), inlined frames expand caller first, siblings are sorted by name with ties in
 * first-seen order; and from flameNodeFromCallTree + toLevels: zero-total subtrees are dropped,
 * negative ones are skipped but still move later siblings right, and the layout is breadth-first
 * so a budget keeps the wide, shallow frames.
 */
export function profileLevels(
  profile: Profile,
  options: ProfileLevelsOptions = {},
): { levels: FlameLevels; nodes: number } {
  const typeIndex = options.typeIndex ?? 0;
  const maxNodes = options.maxNodes ?? Number.POSITIVE_INFINITY;
  const nFunctions = profile.functions.length;
  // Dense keys: 1..nFunctions are function ids, nFunctions + locationId a location without lines.
  const keyCount = nFunctions + profile.locations.length + 1;
  const keyOfLocation: number[][] = new Array(profile.locations.length);

  let capacity = 1024;
  let parent = new Int32Array(capacity);
  let keyOf = new Int32Array(capacity);
  let total = new Float64Array(capacity);
  let self = new Float64Array(capacity);
  let size = 1;
  parent[0] = -1;
  const childIndex = new Map<number, number>();
  const grow = () => {
    capacity *= 2;
    const p = new Int32Array(capacity);
    p.set(parent);
    parent = p;
    const k = new Int32Array(capacity);
    k.set(keyOf);
    keyOf = k;
    const t = new Float64Array(capacity);
    t.set(total);
    total = t;
    const s = new Float64Array(capacity);
    s.set(self);
    self = s;
  };

  for (const sample of profile.samples) {
    checkDeadline();
    const value = sample.values[typeIndex];
    let node = 0;
    total[0] += value;
    for (let i = sample.locationIds.length - 1; i >= 0; i--) {
      const locId = sample.locationIds[i];
      let keys = keyOfLocation[locId - 1];
      if (keys === undefined) {
        const loc = profile.locations[locId - 1];
        keys = [];
        for (let j = loc.lines.length - 1; j >= 0; j--) keys.push(loc.lines[j].functionId);
        if (loc.lines.length === 0) keys.push(nFunctions + loc.id);
        keyOfLocation[locId - 1] = keys;
      }
      for (const key of keys) {
        const mapKey = node * keyCount + key;
        let child = childIndex.get(mapKey);
        if (child === undefined) {
          if (size === capacity) grow();
          child = size++;
          parent[child] = node;
          keyOf[child] = key;
          childIndex.set(mapKey, child);
        }
        node = child;
        total[node] += value;
      }
    }
    self[node] += value;
  }

  // Names: per key once; a rank per key turns the sibling sort into integer comparisons.
  const keyName: string[] = new Array(keyCount);
  const usedKeys: number[] = [];
  for (let n = 1; n < size; n++) {
    const key = keyOf[n];
    if (keyName[key] !== undefined) continue;
    if (key <= nFunctions) keyName[key] = profile.functions[key - 1].name;
    else {
      const loc = profile.locations[key - nFunctions - 1];
      keyName[key] = loc.address ? `0x${loc.address.toString(16)}` : '<unknown>';
    }
    usedKeys.push(key);
  }
  usedKeys.sort((a, b) => (keyName[a] < keyName[b] ? -1 : keyName[a] > keyName[b] ? 1 : 0));
  const rank = new Int32Array(keyCount);
  for (let r = 0, i = 0; i < usedKeys.length; i++) {
    if (i > 0 && keyName[usedKeys[i]] !== keyName[usedKeys[i - 1]]) r++;
    rank[usedKeys[i]] = r;
  }

  // Children as one array of segments (parents precede children, so index order is first-seen
  // order); zero-total subtrees are left out as flameNodeFromCallTree leaves them out.
  const kept = new Uint8Array(size);
  kept[0] = 1;
  let nodes = 1;
  const childCount = new Int32Array(size + 1);
  for (let n = 1; n < size; n++) {
    if (kept[parent[n]] && total[n] !== 0) {
      kept[n] = 1;
      nodes++;
      childCount[parent[n] + 1]++;
    }
  }
  const firstChild = childCount;
  for (let n = 0; n < size; n++) firstChild[n + 1] += firstChild[n];
  const children = new Int32Array(nodes - 1);
  const fill = firstChild.slice(0, size);
  for (let n = 1; n < size; n++) if (kept[n]) children[fill[parent[n]]++] = n;
  const byName = (a: number, b: number) => rank[keyOf[a]] - rank[keyOf[b]] || a - b;
  for (let n = 0; n < size; n++) {
    const from = firstChild[n];
    const to = firstChild[n + 1];
    if (to - from > 1) children.subarray(from, to).sort(byName);
  }

  // Breadth-first layout, as toLevels.
  const rootName = options.rootName ?? 'root';
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const nameOfKey = new Int32Array(keyCount).fill(-1);
  const indexOf = (name: string) => {
    let idx = nameIndex.get(name);
    if (idx === undefined) {
      idx = names.length;
      names.push(name);
      nameIndex.set(name, idx);
    }
    return idx;
  };
  const levels: number[][] = [];
  const queue = new Int32Array(nodes);
  const depthOf = new Int32Array(nodes);
  const startOf = new Float64Array(nodes);
  let tail = 1;
  for (let q = 0, count = 0; q < tail && count < maxNodes; q++, count++) {
    const n = queue[q];
    checkDeadline();
    const depth = depthOf[q];
    let idx: number;
    if (n === 0) idx = indexOf(rootName);
    else {
      idx = nameOfKey[keyOf[n]];
      if (idx < 0) {
        idx = indexOf(keyName[keyOf[n]]);
        nameOfKey[keyOf[n]] = idx;
      }
    }
    levels[depth] ??= [];
    levels[depth].push(startOf[q], total[n], self[n], idx);
    let x = startOf[q];
    for (let c = firstChild[n]; c < firstChild[n + 1]; c++) {
      const child = children[c];
      const w = total[child];
      if (w > 0) {
        queue[tail] = child;
        depthOf[tail] = depth + 1;
        startOf[tail] = x;
        tail++;
      }
      x += w;
    }
  }
  return { levels: { names, levels, total: total[0], diff: false }, nodes };
}
