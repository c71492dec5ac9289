/**
 * The `top` report: functions ranked by flat (self) or cumulative value, with the same numbers,
 * ordering and text layout as `go tool pprof -top` at function granularity, so the two can be
 * diffed line by line.
 */
import type { Profile } from '../model/profile.js';
import { formatAuto, formatPercentage, formatScaled, scaleValue, selectOutputUnit } from '../model/units.js';

/** TopOptions selects what `computeTop` ranks. */
export interface TopOptions {
  sampleTypeIndex: number;
  /** nodeCount keeps only the first N rows (all when absent or 0). */
  nodeCount?: number;
  /** sortByCum ranks by cumulative value instead of flat. */
  sortByCum?: boolean;
  /**
   * nodeFraction drops functions whose cum is below this fraction of the total before ranking
   * (pprof's -nodefraction; `go tool pprof` defaults to 0.005, computeTop to 0).
   */
  nodeFraction?: number;
}

/** InlineMark tells whether a function was only (or sometimes) reached through inlining. */
export type InlineMark = '' | 'inline' | 'partial-inline';

/** TopRow is one function. Percentages are of `TopResult.total`, as numbers (72.73 means 72.73%). */
export interface TopRow {
  name: string;
  flat: number;
  flatPct: number;
  /** sumPct is the running sum of flat down to and including this row. */
  sumPct: number;
  cum: number;
  cumPct: number;
  inline: InlineMark;
}

/** TopResult is the whole report, before any text rendering. */
export interface TopResult {
  rows: TopRow[];
  /** total is the sum of absolute sample values of the chosen type. */
  total: number;
  /** shownFlat is the sum of flat over the shown rows ("Showing nodes accounting for"). */
  shownFlat: number;
  /** nodeCount is how many functions were left after the node fraction, before --nodecount. */
  nodeCount: number;
  /** droppedNodes is how many functions the node fraction removed. */
  droppedNodes: number;
  sampleType: string;
  unit: string;
  nodeFraction: number;
}

/** NodeTable maps every (location, line) of a profile to a node index, and names the nodes. */
interface NodeTable {
  names: string[];
  /** inlinable[node] is 1 when the node is an inlined (not outermost) line somewhere. */
  inlinable: Uint8Array;
  /**
   * Location i's nodes are locNodes[locStart[i] .. locStart[i+1]), innermost line first like
   * Location.lines. Flat typed arrays, because one small array per location costs more to
   * allocate and collect than the whole report takes to compute.
   */
  locStart: Int32Array;
  locNodes: Int32Array;
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash >= 0 ? trimmed.slice(slash + 1) : trimmed || '.';
}

/**
 * buildNodeTable names nodes as pprof does at function granularity: the function name; without
 * one, the mapped binary's base name in brackets; without that, "<unknown>".
 */
function buildNodeTable(profile: Profile): NodeTable {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const intern = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      ids.set(name, id);
    }
    return id;
  };
  const fnNodes = profile.functions.map((f) => (f.name ? intern(f.name) : -1));
  const locations = profile.locations;
  const locStart = new Int32Array(locations.length + 1);
  let total = 0;
  for (let i = 0; i < locations.length; i++) {
    locStart[i] = total;
    total += Math.max(1, locations[i].lines.length);
  }
  locStart[locations.length] = total;
  const locNodes = new Int32Array(total);
  for (let i = 0; i < locations.length; i++) {
    const loc = locations[i];
    const at = locStart[i];
    for (let j = 0; j < loc.lines.length; j++) {
      const n = fnNodes[loc.lines[j].functionId - 1];
      locNodes[at + j] = n >= 0 ? n : intern(objectName(profile, loc.mappingId));
    }
    if (loc.lines.length === 0) locNodes[at] = intern(objectName(profile, loc.mappingId));
  }
  const inlinable = new Uint8Array(names.length);
  for (let i = 0; i < locations.length; i++) {
    for (let k = locStart[i]; k < locStart[i + 1] - 1; k++) inlinable[locNodes[k]] = 1;
  }
  return { names, inlinable, locStart, locNodes };
}

/** objectName names a frame without a function: "[binary]" from its mapping, else "<unknown>". */
function objectName(profile: Profile, mappingId: number): string {
  const file = mappingId ? profile.mappings[mappingId - 1].filename : '';
  return file ? `[${baseName(file)}]` : '<unknown>';
}

/** Accumulated is the graph pass's output per node. */
interface Accumulated {
  flat: Float64Array;
  cum: Float64Array;
  /** 1 = has an inlined incoming edge, 2 = has a regular one (bit flags). */
  inEdges: Uint8Array;
}

/**
 * accumulate walks every sample root to leaf, adding its value once to each node on the stack
 * (recursion counts once) and to the leaf's flat. With `kept`, nodes outside it are skipped
 * and a sample whose leaf was skipped adds no flat anywhere, exactly as pprof rebuilds its graph
 * after trimming. An edge is inlined when its callee is not the outermost line of its location;
 * an edge seen both ways counts as regular, as in pprof.
 */
function accumulate(profile: Profile, valueIndex: number, table: NodeTable, kept?: Uint8Array): Accumulated {
  const n = table.names.length;
  const flat = new Float64Array(n);
  const cum = new Float64Array(n);
  const seen = new Int32Array(n).fill(-1);
  const edges = new Map<number, boolean>();
  const inlinable = table.inlinable;
  const locStart = table.locStart;
  const locNodes = table.locNodes;
  const samples = profile.samples;
  for (let s = 0; s < samples.length; s++) {
    const sample = samples[s];
    const w = sample.values[valueIndex];
    if (w === 0) continue;
    const stack = sample.locationIds;
    let parent = -1;
    let residual = false;
    for (let i = stack.length - 1; i >= 0; i--) {
      const first = locStart[stack[i] - 1];
      const outermost = locStart[stack[i]] - 1;
      for (let j = outermost; j >= first; j--) {
        const node = locNodes[j];
        if (kept && kept[node] === 0) {
          residual = true;
          continue;
        }
        if (seen[node] !== s) {
          seen[node] = s;
          cum[node] += w;
        }
        // Only a node that is inlined somewhere can get an inline mark; the edges into any
        // other node are all regular, so they need no bookkeeping.
        if (parent >= 0 && parent !== node && inlinable[node] === 1) {
          const key = parent * n + node;
          const inline = j !== outermost;
          const prior = edges.get(key);
          if (prior === undefined || (prior && !inline)) edges.set(key, inline);
        }
        parent = node;
        residual = false;
      }
    }
    if (parent >= 0 && !residual) flat[parent] += w;
  }
  const inEdges = new Uint8Array(n);
  for (const [key, inline] of edges) inEdges[key % n] |= inline ? 1 : 2;
  return { flat, cum, inEdges };
}

function inlineMark(bits: number): InlineMark {
  if ((bits & 1) === 0) return '';
  return bits & 2 ? 'partial-inline' : 'inline';
}

/** totalOf sums absolute values, as pprof's report total does. */
function totalOf(profile: Profile, valueIndex: number): number {
  let total = 0;
  for (const s of profile.samples) total += Math.abs(s.values[valueIndex]);
  return total;
}

/** keptSet marks the given node indexes. */
function keptSet(table: NodeTable, nodes: number[]): Uint8Array {
  const kept = new Uint8Array(table.names.length);
  for (const i of nodes) kept[i] = 1;
  return kept;
}

/** present lists nodes that any non-zero sample touched. */
function present(acc: Accumulated, kept?: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < acc.cum.length; i++) {
    if ((kept === undefined || kept[i]) && (acc.cum[i] !== 0 || acc.flat[i] !== 0)) out.push(i);
  }
  return out;
}

/**
 * computeTop ranks functions by flat value (ties: name, then cum) or, with sortByCum, by cum
 * (ties: name, then flat), as pprof's text report does.
 */
export function computeTop(profile: Profile, options: TopOptions): TopResult {
  const vi = options.sampleTypeIndex;
  if (!(vi >= 0 && vi < profile.sampleTypes.length)) {
    throw new RangeError(
      `sample type index ${vi} is out of range (profile has ${profile.sampleTypes.length})`,
    );
  }
  const nodeFraction = options.nodeFraction ?? 0;
  const table = buildNodeTable(profile);
  let acc = accumulate(profile, vi, table);
  let nodes = present(acc);
  let droppedNodes = 0;
  let flatSum = 0;
  for (const i of nodes) flatSum += acc.flat[i];
  const cutoff = Math.abs(Math.trunc(flatSum * nodeFraction));
  if (cutoff > 0) {
    const keptNodes = nodes.filter((i) => Math.abs(acc.cum[i]) >= cutoff);
    if (keptNodes.length !== nodes.length) {
      droppedNodes = nodes.length - keptNodes.length;
      const kept = keptSet(table, keptNodes);
      acc = accumulate(profile, vi, table, kept);
      nodes = present(acc, kept);
    }
  }
  const nodeCount = nodes.length;
  const { flat, cum } = acc;
  const names = table.names;
  const byName = (a: number, b: number): number => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0);
  nodes.sort(
    options.sortByCum
      ? (a, b) => Math.abs(cum[b]) - Math.abs(cum[a]) || byName(a, b) || Math.abs(flat[b]) - Math.abs(flat[a])
      : (a, b) =>
          Math.abs(flat[b]) - Math.abs(flat[a]) || byName(a, b) || Math.abs(cum[b]) - Math.abs(cum[a]),
  );
  if (options.nodeCount && options.nodeCount > 0 && nodes.length > options.nodeCount) {
    // Recompute with only the survivors, so flat and inline marks are what pprof shows after
    // its own trim (a sample whose leaf was trimmed adds flat nowhere).
    nodes = nodes.slice(0, options.nodeCount);
    acc = accumulate(profile, vi, table, keptSet(table, nodes));
  }
  const total = totalOf(profile, vi);
  const pct = (v: number): number => (total === 0 ? 0 : (Math.abs(v) / total) * 100);
  let running = 0;
  const rows = nodes.map((i): TopRow => {
    running += acc.flat[i];
    return {
      name: names[i],
      flat: acc.flat[i],
      flatPct: pct(acc.flat[i]),
      sumPct: pct(running),
      cum: acc.cum[i],
      cumPct: pct(acc.cum[i]),
      inline: inlineMark(acc.inEdges[i]),
    };
  });
  const st = profile.sampleTypes[vi];
  return {
    rows,
    total,
    shownFlat: running,
    nodeCount,
    droppedNodes,
    sampleType: st.type,
    unit: st.unit,
    nodeFraction,
  };
}

/** RenderTopOptions adds the header details a top report prints. */
export interface RenderTopOptions {
  /** activeFilters are printed under "Active filters:", e.g. ["focus=main"]. */
  activeFilters?: string[];
}

/** mainMapping guesses the main binary as pprof does: the first mapping that is not a shared library or a [special] one. */
function mainMapping(profile: Profile): Profile['mappings'][number] | undefined {
  for (const m of profile.mappings) {
    const file = m.filename.replaceAll('(deleted)', '').trim();
    if (file === '' || /\.so$|\.so[._][0-9]+/.test(file) || file.startsWith('[')) continue;
    return m;
  }
  return profile.mappings[0];
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** formatTime prints a profile's start as pprof's header does ("Sep 29, 2017 at 8:57pm (UTC)"), always in UTC. */
export function formatTime(timeNanos: number): string {
  const d = new Date(Math.floor(timeNanos / 1e6));
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const minutes = d.getUTCMinutes().toString().padStart(2, '0');
  return `${months[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} at ${h12}:${minutes}${h < 12 ? 'am' : 'pm'} (UTC)`;
}

/** headerLines are pprof's profile labels: File, Build ID, comments, Type, Time, Duration. */
function headerLines(profile: Profile, top: TopResult, formatValue: (v: number) => string): string[] {
  const lines: string[] = [];
  const main = mainMapping(profile);
  if (main?.filename) lines.push(`File: ${baseName(main.filename)}`);
  if (main?.buildId) lines.push(`Build ID: ${main.buildId}`);
  for (const c of profile.comments) if (!c.startsWith('#')) lines.push(c);
  lines.push(`Type: ${top.sampleType}`);
  if (profile.timeNanos !== 0) lines.push(`Time: ${formatTime(profile.timeNanos)}`);
  if (profile.durationNanos !== 0) {
    const inNanos = scaleValue(top.total, top.unit, 'nanoseconds');
    const ratio =
      inNanos.unit === 'ns' && inNanos.value !== 0
        ? `(${formatPercentage(Math.trunc(inNanos.value), profile.durationNanos)})`
        : '';
    lines.push(
      `Duration: ${formatAuto(profile.durationNanos, 'nanoseconds')}, Total samples = ${formatValue(top.total)} ${ratio}`,
    );
  }
  return lines;
}

/** renderTopText renders a TopResult like `go tool pprof -top`, choosing one unit for all values. */
export function renderTopText(profile: Profile, top: TopResult, options: RenderTopOptions = {}): string {
  let minValue = 0;
  for (const r of top.rows) {
    const v = Math.abs(r.flat) || Math.abs(r.cum);
    if (v > 0 && (minValue === 0 || v < minValue)) minValue = v;
  }
  const outputUnit = top.rows.length > 0 ? selectOutputUnit(minValue, top.total, top.unit) : top.unit;
  const formatValue = (v: number): string => formatScaled(v, top.unit, outputUnit);
  const lines = headerLines(profile, top, formatValue);
  const filters = options.activeFilters ?? [];
  if (filters.length > 0) {
    lines.push('Active filters:');
    for (const f of filters) lines.push(`   ${f.length > 80 ? `${f.slice(0, 80)}…` : f}`);
  }
  lines.push(
    `Showing nodes accounting for ${formatValue(top.shownFlat)}, ${formatPercentage(top.shownFlat, top.total).trim()} of ${formatValue(top.total)} total`,
  );
  if (top.total !== 0) {
    if (top.droppedNodes > 0) {
      const cut = Math.abs(Math.trunc(top.total * top.nodeFraction));
      lines.push(
        `Dropped ${top.droppedNodes} node${top.droppedNodes === 1 ? '' : 's'} (cum <= ${formatValue(cut)})`,
      );
    }
    if (top.rows.length > 0 && top.rows.length < top.nodeCount) {
      lines.push(`Showing top ${top.rows.length} nodes out of ${top.nodeCount}`);
    }
  }
  lines.push(
    `${'flat'.padStart(10)} ${'flat'.padStart(5)}% ${'sum'.padStart(5)}% ${'cum'.padStart(10)} ${'cum'.padStart(5)}%`,
  );
  let running = 0;
  for (const r of top.rows) {
    running += r.flat;
    const name = r.inline ? `${r.name} (${r.inline})` : r.name;
    lines.push(
      `${formatValue(r.flat).padStart(10)} ${formatPercentage(r.flat, top.total)} ${formatPercentage(running, top.total)} ${formatValue(r.cum).padStart(10)} ${formatPercentage(r.cum, top.total)}  ${name}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
