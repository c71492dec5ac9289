import { functionOrigins } from '../frame-origin.js';
import { functionKey } from '../function-shares.js';
import type { DiagnosisInput } from './diagnosis-input.js';
import type { SampleKind } from './sample-views.js';

/** Retainer is an own function that stores into a long-lived container, with its evidence. */
export interface Retainer {
  function: string;
  file: string;
  line: number;
  /** container: the module-level (or instance) name it stores into. */
  container: string;
  /** share: the function's largest total share in the views searched. */
  share: number;
  kind: SampleKind;
}

// `name[key] = v`, `name.set(`, `name.push(`, `name.append(` ... as a statement's target.
const STORE =
  /(?:^|[^\w.$])((?:self\.|this\.)?[A-Za-z_$][\w$]*)\s*(?:\[[^\]]+\]\s*=(?!=)|\.(?:set|push|append|add|put|setdefault|update|extend|unshift|insert|appendleft)\s*\()/g;

/**
 * findRetainers looks for what keeps memory alive when a heap grows: own functions, seen in the
 * profiles, whose source stores into a container that outlives the call (declared at the top
 * level of the file, or an instance field). Allocation profiles show where objects were made;
 * the growth is caused where they are kept, which is often a different, cheaper function.
 * Ordered by the function's share, largest first.
 */
export function findRetainers(input: DiagnosisInput, kinds: SampleKind[]): Retainer[] {
  const best = new Map<string, Retainer>();
  for (const kind of kinds) {
    const view = input.views.find((v) => v.kind === kind);
    if (!view || view.total === 0) continue;
    const p = view.profile;
    const origins = functionOrigins(p.functions);
    const totals = new Map<number, number>();
    for (const s of p.samples) {
      const seen = new Set<number>();
      for (const id of s.locationIds)
        for (const l of p.locations[id - 1].lines) {
          if (origins[l.functionId - 1] !== 'own' || seen.has(l.functionId)) continue;
          seen.add(l.functionId);
          totals.set(l.functionId, (totals.get(l.functionId) ?? 0) + s.values[0]);
        }
    }
    for (const [id, total] of totals) {
      const fn = p.functions[id - 1];
      if (fn.name === '(anonymous)' && fn.startLine <= 1) continue;
      const key = functionKey(fn.name, fn.filename);
      const share = total / view.total;
      const prev = best.get(key);
      if (prev && prev.share >= share) continue;
      const store = storeOf(input, fn.name, fn.filename, fn.startLine);
      if (!store) continue;
      best.set(key, { function: fn.name, file: fn.filename, ...store, share, kind });
    }
  }
  return [...best.values()].sort((a, b) => b.share - a.share);
}

function storeOf(
  input: DiagnosisInput,
  name: string,
  file: string,
  startLine: number,
): { line: number; container: string } | undefined {
  const start = input.sources.startOf(file, name, startLine);
  const body = input.sources.body(file, start);
  const lines = input.sources.lines(file);
  if (body.length < 2 || !lines) return undefined;
  for (const l of body.slice(1)) {
    for (const m of l.text.matchAll(STORE)) {
      const target = m[1];
      if (/^(self|this)\./.test(target) || isTopLevelName(lines, target))
        return { line: l.line, container: target };
    }
  }
  return undefined;
}

/** isTopLevelName: the name is assigned or declared at column 0 of the file (module state). */
function isTopLevelName(lines: string[], name: string): boolean {
  const esc = name.replace(/\$/g, '\\$');
  const re = new RegExp(`^((export\\s+)?(const|let|var)\\s+)?${esc}\\s*(:[^=]+)?=(?!=)`);
  return lines.some((l) => re.test(l));
}
