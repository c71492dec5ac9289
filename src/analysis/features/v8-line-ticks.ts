import { functionKey } from '../function-shares.js';

/**
 * LineTicks maps a function key to self samples per source line (1-based). V8 CPU profiles
 * keep the line of every sample only in `positionTicks`; the importer drops them, so the hot
 * line (the one that calls an invisible builtin like JSON.parse or new RegExp) is read here.
 */
export type LineTicks = Map<string, Map<number, number>>;

interface RawNode {
  callFrame?: { functionName?: string; url?: string };
  positionTicks?: Array<{ line: number; ticks: number }>;
}

// Must name functions as the chrome-cpuprofile importer does, so keys line up with shares.
function v8Name(fn: string | undefined): string {
  return fn ? fn : '(anonymous)';
}

/** v8LineTicks reads positionTicks of a .cpuprofile JSON text; empty for anything else. */
export function v8LineTicks(text: string): LineTicks {
  const out: LineTicks = new Map();
  let doc: { nodes?: RawNode[] };
  try {
    doc = JSON.parse(text) as { nodes?: RawNode[] };
  } catch {
    return out;
  }
  for (const node of doc.nodes ?? []) {
    if (!node.positionTicks || !node.callFrame) continue;
    const key = functionKey(v8Name(node.callFrame.functionName), node.callFrame.url ?? '');
    let lines = out.get(key);
    if (!lines) {
      lines = new Map();
      out.set(key, lines);
    }
    for (const p of node.positionTicks) lines.set(p.line, (lines.get(p.line) ?? 0) + p.ticks);
  }
  return out;
}

/** mergeLineTicks adds b into a. */
export function mergeLineTicks(a: LineTicks, b: LineTicks): LineTicks {
  for (const [key, lines] of b) {
    let into = a.get(key);
    if (!into) {
      into = new Map();
      a.set(key, into);
    }
    for (const [line, ticks] of lines) into.set(line, (into.get(line) ?? 0) + ticks);
  }
  return a;
}
