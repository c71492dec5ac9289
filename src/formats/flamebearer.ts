/**
 * Pyroscope's flamebearer JSON: the body of the `/pyroscope/render` response and of Pyroscope's
 * "export JSON" files. Wire format, from Pyroscope's pkg/og/structs/flamebearer:
 *
 *     {version: 1,
 *      flamebearer: {names: string[], levels: number[][], numTicks, maxSelf},
 *      metadata: {format: 'single'|'double', units, sampleRate, spyName, name},
 *      timeline: {startTime, samples, durationDelta} | null,
 *      leftTicks?, rightTicks?}                       // 'double' only
 *
 * - `levels[d]` is the row of nodes at depth d (level 0 holds the root, named "total"). Nodes
 *   are flattened into chunks of 4 numbers ('single'): [x, total, self, nameIndex], or 7
 *   ('double', a diff): [xLeft, totalLeft, selfLeft, xRight, totalRight, selfRight, nameIndex].
 * - x is the node's left edge in value units, delta encoded along the row: the stored number is
 *   x minus the right edge (x + total) of the previous node in the same row, so a row decodes
 *   with a running `prevEnd`.
 * - a node's children sit in the row below inside its range, after its own self width (self
 *   first, then children sorted by name, as Pyroscope's tree emits them). A node's parent is
 *   therefore the node in the row above whose range contains the node's x.
 * - numTicks is the root total, maxSelf the largest self value; values are integers.
 *
 * Import turns each node's self value into a sample whose stack is the path from the root (the
 * synthetic "total" root itself is not a frame). 'double' imports as two profiles, base then
 * head, so a diff is rebuilt by the model's merge-with-negation rather than a second engine.
 */
import { FormatError, InputLimitError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile, ValueType } from '../model/profile.js';
import { defaultSampleTypeIndex, frameNamesRootFirst } from '../model/profile.js';
import { decodeText, looksLikeText } from './text-decode.js';
import type { FormatExporter, FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'flamebearer';

/** ROOT_NAME is the name Pyroscope gives the synthetic root node. */
const ROOT_NAME = 'total';
/** OTHER_NAME collects nodes pruned by maxNodes, as in Pyroscope. */
const OTHER_NAME = 'other';
/** MAX_STACK_FRAMES caps the frames all rebuilt stacks hold together (a deep chain is quadratic). */
const MAX_STACK_FRAMES = 20_000_000;
const SNIFF_BYTES = 64 * 1024;

/** Flamebearer is the `flamebearer` object of the render response. */
export interface Flamebearer {
  names: string[];
  levels: number[][];
  numTicks: number;
  maxSelf: number;
}

/** FlamebearerMetadata is the `metadata` object of the render response. */
export interface FlamebearerMetadata {
  format: 'single' | 'double';
  units: string;
  sampleRate: number;
  spyName: string;
  name: string;
}

/** FlamebearerProfile is the full render response ("version 1" profile). */
export interface FlamebearerProfile {
  version: 1;
  flamebearer: Flamebearer;
  metadata: FlamebearerMetadata;
  timeline: { startTime: number; samples: number[]; durationDelta: number } | null;
}

// --- export ----------------------------------------------------------------------------------

interface TreeNode {
  name: string;
  self: number;
  total: number;
  children: Map<string, TreeNode>;
}

function newTreeNode(name: string): TreeNode {
  return { name, self: 0, total: 0, children: new Map() };
}

/**
 * profileToFlamebearer builds the name-keyed call tree of one sample type and lays it out as
 * flamebearer levels. Values are rounded to integers per sample (the wire format has ints).
 * With `maxNodes` > 0, only nodes whose total is among the `maxNodes` largest are kept; the
 * rest of each parent's children fold into one "other" node, as Pyroscope's renderer does.
 */
export function profileToFlamebearer(profile: Profile, sampleTypeIndex: number, maxNodes = 0): Flamebearer {
  if (sampleTypeIndex < 0 || sampleTypeIndex >= profile.sampleTypes.length) {
    throw new RangeError(`sample type index ${sampleTypeIndex} out of range`);
  }
  const root = buildNameTree(profile, sampleTypeIndex);
  const minTotal = maxNodes > 0 ? minKeptTotal(root, maxNodes) : 0;
  const names: string[] = [ROOT_NAME];
  const nameIndex = new Map<string, number>();
  const levels: number[][] = [];
  let maxSelf = 0;
  // Depth first with the last child first, as Pyroscope walks its tree: names get their index
  // in that order and every row fills right to left (reversed below), so output matches
  // Pyroscope's byte for byte.
  const stack: Array<{ node: TreeNode; x: number; depth: number; isRoot: boolean }> = [
    { node: root, x: 0, depth: 0, isRoot: true },
  ];
  while (stack.length > 0) {
    const { node, x, depth, isRoot } = stack.pop()!;
    let index = 0;
    if (!isRoot) {
      index = nameIndex.get(node.name) ?? -1;
      if (index < 0) {
        index = names.length;
        names.push(node.name);
        nameIndex.set(node.name, index);
      }
    }
    if (depth === levels.length) levels.push([]);
    levels[depth].push(x, node.total, node.self, index);
    if (node.self > maxSelf) maxSelf = node.self;
    const kept: Array<{ node: TreeNode; x: number; depth: number; isRoot: boolean }> = [];
    let childX = x + node.self;
    let otherTotal = 0;
    for (const child of [...node.children.values()].sort(byName)) {
      if (child.total < minTotal) {
        otherTotal += child.total;
        continue;
      }
      kept.push({ node: child, x: childX, depth: depth + 1, isRoot: false });
      childX += child.total;
    }
    if (otherTotal > 0) {
      const other = { ...newTreeNode(OTHER_NAME), self: otherTotal, total: otherTotal };
      kept.push({ node: other, x: childX, depth: depth + 1, isRoot: false });
    }
    for (const k of kept) stack.push(k);
  }
  for (const row of levels) {
    reverseNodes(row, 4);
    deltaEncode(row, 0, 4);
  }
  return { names, levels, numTicks: root.total, maxSelf };
}

function buildNameTree(profile: Profile, typeIndex: number): TreeNode {
  const root = newTreeNode(ROOT_NAME);
  for (const sample of profile.samples) {
    const value = Math.round(sample.values[typeIndex]);
    if (value === 0) continue;
    if (value < 0) {
      throw new FormatError(
        FORMAT,
        'negative sample values (a diff?) cannot be laid out as a single flame graph',
      );
    }
    let node = root;
    node.total += value;
    for (const name of frameNamesRootFirst(profile, sample)) {
      let child = node.children.get(name);
      if (!child) {
        child = newTreeNode(name);
        node.children.set(name, child);
      }
      node = child;
      node.total += value;
    }
    node.self += value;
  }
  return root;
}

/** minKeptTotal is the `maxNodes`-th largest node total, 0 when the tree is smaller. */
function minKeptTotal(root: TreeNode, maxNodes: number): number {
  const totals: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    totals.push(node.total);
    for (const child of node.children.values()) stack.push(child);
  }
  if (totals.length <= maxNodes) return 0;
  totals.sort((a, b) => b - a);
  return totals[maxNodes - 1];
}

function byName(a: TreeNode, b: TreeNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function reverseNodes(row: number[], step: number): void {
  const n = row.length / step;
  for (let i = 0; i < Math.floor(n / 2); i++) {
    const a = i * step;
    const b = (n - 1 - i) * step;
    for (let k = 0; k < step; k++) {
      const t = row[a + k];
      row[a + k] = row[b + k];
      row[b + k] = t;
    }
  }
}

function deltaEncode(row: number[], start: number, step: number): void {
  let prevEnd = 0;
  for (let i = start; i < row.length; i += step) {
    const x = row[i];
    row[i] = x - prevEnd;
    prevEnd = x + row[i + 1];
  }
}

/** FlamebearerOptions tune `profileToFlamebearerProfile`. */
export interface FlamebearerOptions {
  sampleTypeIndex?: number;
  maxNodes?: number;
  spyName?: string;
  name?: string;
}

/** profileToFlamebearerProfile builds the full render response for one sample type. */
export function profileToFlamebearerProfile(
  profile: Profile,
  options: FlamebearerOptions = {},
): FlamebearerProfile {
  const typeIndex = options.sampleTypeIndex ?? defaultSampleTypeIndex(profile);
  const flamebearer = profileToFlamebearer(profile, typeIndex, options.maxNodes ?? 0);
  const { units, sampleRate } = pyroscopeUnits(profile, profile.sampleTypes[typeIndex]);
  return {
    version: 1,
    flamebearer,
    metadata: {
      format: 'single',
      units,
      sampleRate,
      spyName: options.spyName ?? '',
      name: options.name ?? profile.name ?? profile.sampleTypes[typeIndex].type,
    },
    timeline: null,
  };
}

/**
 * pyroscopeUnits maps a sample type to Pyroscope's `units` and `sampleRate`. CPU time in
 * nanoseconds is "samples" at 1e9 per second, as Pyroscope's own ExportToFlamebearer does.
 */
export function pyroscopeUnits(profile: Profile, type: ValueType): { units: string; sampleRate: number } {
  const t = type.type.toLowerCase();
  if (type.unit === 'bytes') return { units: 'bytes', sampleRate: 100 };
  if (t === 'delay' || (t.includes('lock') && type.unit === 'nanoseconds')) {
    return { units: 'lock_nanoseconds', sampleRate: 100 };
  }
  if (t === 'contentions' || t.includes('lock')) return { units: 'lock_samples', sampleRate: 100 };
  if (type.unit === 'nanoseconds') return { units: 'samples', sampleRate: 1_000_000_000 };
  if (t.endsWith('objects')) return { units: 'objects', sampleRate: 100 };
  if (t.startsWith('goroutine')) return { units: 'goroutines', sampleRate: 100 };
  if (t === 'exceptions') return { units: 'exceptions', sampleRate: 100 };
  const period = profile.periodType?.unit === 'nanoseconds' ? profile.period : 0;
  return { units: 'samples', sampleRate: period > 0 ? Math.round(1e9 / period) : 100 };
}

// --- import ----------------------------------------------------------------------------------

interface DecodedNode {
  /** x and width in the coordinates used to find parents (left + right for 'double'). */
  x: number;
  width: number;
  self: number[];
  name: string;
  parent: number;
}

/** sniffFlamebearer looks for a JSON object with a "flamebearer" key (or a bare levels table). */
export function sniffFlamebearer(bytes: Uint8Array): boolean {
  if (!looksLikeText(bytes)) return false;
  const text = decodeText(bytes, SNIFF_BYTES);
  if (text.trimStart()[0] !== '{') return false;
  return /"flamebearer"\s*:/.test(text) || (/"levels"\s*:/.test(text) && /"numTicks"\s*:/.test(text));
}

/** importFlamebearer parses a render response; 'double' yields [base, head]. */
export function importFlamebearer(bytes: Uint8Array, options: ImportOptions): Profile[] {
  const source = options.source;
  const doc = parseJson(decodeText(bytes), source);
  const fail = (what: string): never => {
    throw new FormatError(FORMAT, what, source);
  };
  if (!isObject(doc)) return fail('top level is not a JSON object');
  const fb = isObject(doc.flamebearer) ? doc.flamebearer : doc;
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const names = fb.names;
  const levels = fb.levels;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
    return fail('"names" is not an array of strings');
  if (!Array.isArray(levels)) return fail('"levels" is not an array');
  const format = meta.format ?? 'single';
  if (format !== 'single' && format !== 'double') return fail(`unsupported format "${String(format)}"`);
  const rows = decodeLevels(levels, names as string[], format, source);
  const sampleType = valueTypeOf(meta);
  const profileName = typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined;
  const sides = format === 'double' ? ['base', 'head'] : [''];
  return sides.map((side, sideIndex) => {
    const builder = new ProfileBuilder([sampleType.type]);
    const p = builder.profile;
    if (sampleType.period > 0) {
      p.period = sampleType.period;
      p.periodType = { type: 'cpu', unit: 'nanoseconds' };
    }
    if (profileName || side) p.name = side ? `${profileName ?? FORMAT} (${side})` : profileName;
    addSamples(builder, rows, sideIndex);
    return builder.build();
  });
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const position = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new FormatError(
      FORMAT,
      `invalid JSON: ${(e as Error).message}`,
      position ? `${source}:offset ${position}` : source,
    );
  }
}

function decodeLevels(
  levels: unknown[],
  names: string[],
  format: 'single' | 'double',
  source: string,
): DecodedNode[][] {
  const step = format === 'single' ? 4 : 7;
  const rows: DecodedNode[][] = [];
  levels.forEach((level, depth) => {
    const where = (i: number) => `${source}: levels[${depth}][${i}]`;
    if (!Array.isArray(level) || level.length % step !== 0) {
      throw new FormatError(
        FORMAT,
        `level is not a list of ${step}-number nodes`,
        `${source}: levels[${depth}]`,
      );
    }
    for (let i = 0; i < level.length; i++) {
      if (!Number.isSafeInteger(level[i])) throw new FormatError(FORMAT, 'not an integer', where(i));
    }
    const row: DecodedNode[] = [];
    let prevEndL = 0;
    let prevEndR = 0;
    for (let i = 0; i < level.length; i += step) {
      const nameIdx = level[i + step - 1] as number;
      if (nameIdx < 0 || nameIdx >= names.length) {
        throw new FormatError(
          FORMAT,
          `name index ${nameIdx} outside names[${names.length}]`,
          where(i + step - 1),
        );
      }
      // Rows never overlap, so a negative gap is corrupt (and would break parent search).
      if ((level[i] as number) < 0 || (step === 7 && (level[i + 3] as number) < 0)) {
        throw new FormatError(FORMAT, 'negative x offset', where(i));
      }
      const xL = prevEndL + (level[i] as number);
      const totalL = level[i + 1] as number;
      const selfL = level[i + 2] as number;
      prevEndL = xL + totalL;
      let x = xL;
      let width = totalL;
      const self = [selfL];
      if (step === 7) {
        const xR = prevEndR + (level[i + 3] as number);
        const totalR = level[i + 4] as number;
        const selfR = level[i + 5] as number;
        prevEndR = xR + totalR;
        x += xR;
        width += totalR;
        self.push(selfR);
        if (selfR < 0 || selfR > totalR) throw new FormatError(FORMAT, 'self outside 0..total', where(i + 5));
      }
      if (selfL < 0 || selfL > totalL) throw new FormatError(FORMAT, 'self outside 0..total', where(i + 2));
      // A node of width zero carries nothing and cannot hold children: leave it out.
      if (width === 0) continue;
      row.push({ x, width, self, name: names[nameIdx], parent: -1 });
    }
    if (depth > 0) linkParents(row, rows[depth - 1], depth, source);
    rows.push(row);
  });
  return rows;
}

/** linkParents finds each node's parent: the node above whose range contains it. */
function linkParents(row: DecodedNode[], above: DecodedNode[], depth: number, source: string): void {
  let p = 0;
  for (let i = 0; i < row.length; i++) {
    const node = row[i];
    // Both rows are in x order, so the parent index only moves right.
    while (p < above.length && above[p].x + above[p].width <= node.x) p++;
    const parent = above[p];
    if (!parent || node.x < parent.x || node.x + node.width > parent.x + parent.width) {
      throw new FormatError(
        FORMAT,
        'node lies outside every node of the level above',
        `${source}: levels[${depth}] node ${i}`,
      );
    }
    node.parent = p;
  }
}

function addSamples(builder: ProfileBuilder, rows: DecodedNode[][], side: number): void {
  // The synthetic root: one node named "total" alone on level 0 is not a frame.
  const syntheticRoot = rows.length > 0 && rows[0].length === 1 && rows[0][0].name === ROOT_NAME;
  const firstFrameDepth = syntheticRoot ? 1 : 0;
  // Interned on first use, so each side of a diff holds only the frames it samples.
  const locationIds = rows.map((row) => new Array<number>(row.length).fill(0));
  const locationOf = (depth: number, index: number): number => {
    let id = locationIds[depth][index];
    if (id === 0) {
      id = builder.locationId({ name: rows[depth][index].name });
      locationIds[depth][index] = id;
    }
    return id;
  };
  let frames = 0;
  rows.forEach((row, depth) => {
    row.forEach((node, i) => {
      const value = node.self[side];
      if (value === 0) return;
      frames += depth + 1;
      if (frames > MAX_STACK_FRAMES) {
        throw new InputLimitError(`${FORMAT}: rebuilding stacks needs more than ${MAX_STACK_FRAMES} frames`);
      }
      const stack: number[] = [];
      let index = i;
      for (let d = depth; d >= firstFrameDepth; d--) {
        stack.push(locationOf(d, index));
        index = rows[d][index].parent;
      }
      builder.addSample(stack, [value]);
    });
  });
}

function valueTypeOf(meta: Record<string, unknown>): { type: ValueType; period: number } {
  const units = typeof meta.units === 'string' ? meta.units : '';
  const rate = typeof meta.sampleRate === 'number' && meta.sampleRate > 0 ? meta.sampleRate : 0;
  switch (units) {
    case 'objects':
      return { type: { type: 'objects', unit: 'count' }, period: 0 };
    case 'goroutines':
      return { type: { type: 'goroutines', unit: 'count' }, period: 0 };
    case 'bytes':
      return { type: { type: 'space', unit: 'bytes' }, period: 0 };
    case 'lock_samples':
      return { type: { type: 'contentions', unit: 'count' }, period: 0 };
    case 'lock_nanoseconds':
      return { type: { type: 'delay', unit: 'nanoseconds' }, period: 0 };
    case 'exceptions':
      return { type: { type: 'exceptions', unit: 'count' }, period: 0 };
    default:
      // "samples" at 1e9 per second are CPU nanoseconds; otherwise counts of samples.
      if (rate === 1_000_000_000) return { type: { type: 'cpu', unit: 'nanoseconds' }, period: 0 };
      return { type: { type: 'samples', unit: 'count' }, period: rate > 0 ? Math.round(1e9 / rate) : 0 };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** flamebearerImporter reads Pyroscope render responses. */
export const flamebearerImporter: FormatImporter = {
  name: FORMAT,
  sniff: sniffFlamebearer,
  importProfiles: importFlamebearer,
};

/** flamebearerExporter writes the render response of the default sample type. */
export const flamebearerExporter: FormatExporter = {
  name: FORMAT,
  exportProfile: (profile) => new TextEncoder().encode(JSON.stringify(profileToFlamebearerProfile(profile))),
};
