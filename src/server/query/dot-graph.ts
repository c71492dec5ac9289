import type { Profile } from '../../model/profile.js';
import { frameNamesRootFirst } from '../../model/profile.js';
import { checkDeadline } from '../../model/work-deadline.js';

/** DotOptions: which value to draw and how many functions to keep. */
export interface DotOptions {
  sampleTypeIndex?: number;
  /** maxNodes keeps the functions with the largest cumulative values (pprof's nodecount). */
  maxNodes?: number;
  title?: string;
}

/** DEFAULT_DOT_NODES is pprof's default node count for graphs. */
export const DEFAULT_DOT_NODES = 80;

interface Node {
  flat: number;
  cum: number;
}

/**
 * profileToDot renders the call graph of a profile in Graphviz DOT, the `format=dot` answer of
 * Pyroscope's render API (which draws it with pprof's graph report): one box per function
 * labelled with its flat and cumulative values and shares, an edge per direct call weighted by
 * the value flowing through it. Only the `maxNodes` functions with the largest cumulative value
 * are drawn, with the calls between them; the legend says what the graph leaves out.
 */
export function profileToDot(profile: Profile, options: DotOptions = {}): string {
  const typeIndex = options.sampleTypeIndex ?? 0;
  const nodes = new Map<string, Node>();
  const edges = new Map<string, number>();
  let total = 0;
  for (const sample of profile.samples) {
    checkDeadline();
    const value = sample.values[typeIndex] ?? 0;
    if (value === 0) continue;
    total += value;
    const frames = frameNamesRootFirst(profile, sample);
    const seen = new Set<string>();
    const seenEdges = new Set<string>();
    frames.forEach((name, i) => {
      const node = nodes.get(name) ?? { flat: 0, cum: 0 };
      nodes.set(name, node);
      // Recursion must not count a function's value twice.
      if (!seen.has(name)) node.cum += value;
      seen.add(name);
      if (i === frames.length - 1) node.flat += value;
      if (i > 0) {
        const key = `${frames[i - 1]}\u0000${name}`;
        if (!seenEdges.has(key)) edges.set(key, (edges.get(key) ?? 0) + value);
        seenEdges.add(key);
      }
    });
  }
  const maxNodes = options.maxNodes && options.maxNodes > 0 ? options.maxNodes : DEFAULT_DOT_NODES;
  const kept = [...nodes.entries()]
    .sort((a, b) => b[1].cum - a[1].cum || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxNodes);
  const ids = new Map(kept.map(([name], i) => [name, `N${i + 1}`]));
  const type = profile.sampleTypes[typeIndex] ?? { type: '', unit: '' };
  const shown = kept.reduce((sum, [, n]) => sum + n.flat, 0);
  const lines = [
    `digraph ${quote(dotEscape(options.title ?? 'autoprof'))} {`,
    'node [style=filled fillcolor="#f8f8f8"]',
    `subgraph cluster_L { "legend" [shape=box fontsize=16 label=${quote(
      [
        `Type: ${dotEscape(type.type)}`,
        `Unit: ${dotEscape(type.unit)}`,
        `Total: ${total}`,
        `Showing ${kept.length} of ${nodes.size} nodes, accounting for ${shown} (${percent(shown, total)}) flat`,
      ].join('\\l') + '\\l',
    )}] }`,
  ];
  for (const [name, node] of kept) {
    const label = `${dotEscape(name)}\\n${node.flat} (${percent(node.flat, total)})\\nof ${node.cum} (${percent(node.cum, total)})`;
    const size = 8 + Math.round(16 * (total > 0 ? node.flat / total : 0));
    lines.push(
      `${ids.get(name)} [label=${quote(label)} shape=box fontsize=${size} tooltip=${quote(`${dotEscape(name)} (${node.cum})`)}]`,
    );
  }
  for (const [key, value] of [...edges.entries()].sort((a, b) => b[1] - a[1])) {
    const [from, to] = key.split('\u0000');
    const a = ids.get(from);
    const b = ids.get(to);
    if (!a || !b) continue;
    const width = 1 + Math.round(4 * (total > 0 ? value / total : 0));
    lines.push(
      `${a} -> ${b} [label=" ${value}" weight=${Math.max(1, Math.round((100 * value) / Math.max(1, total)))} penwidth=${width}]`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(2)}%`;
}

/** dotEscape makes text literal inside a DOT string (labels add DOT's own `\n` and `\l` breaks after). */
function dotEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function quote(escaped: string): string {
  return `"${escaped}"`;
}
