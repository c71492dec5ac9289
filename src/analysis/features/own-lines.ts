import type { Profile } from '../../model/profile.js';
import { functionOrigins } from '../frame-origin.js';
import { functionKey } from '../function-shares.js';
import type { LineTicks } from './v8-line-ticks.js';

/**
 * OwnLine is a line of the program's own code with the value spent at it, callees included:
 * every sample counts towards the innermost own frame on its stack. That is where a user can
 * change something, even when the time is spent in a library or an invisible builtin below.
 */
export interface OwnLine {
  key: string;
  function: string;
  file: string;
  startLine: number;
  /** line is 0 when the profile knows only the function, not the line. */
  line: number;
  value: number;
  /** selfValue is the part spent in the own function itself (no frame below it). */
  selfValue: number;
}

/**
 * ownLines attributes every sample of a one-column profile to its innermost own frame and line.
 * For V8 profiles (lines are function starts) `lineTicks` splits a function's self samples over
 * the lines that were executing.
 */
export function ownLines(profile: Profile, lineTicks?: LineTicks): OwnLine[] {
  const byKey = new Map<string, OwnLine>();
  const own = functionOrigins(profile.functions).map((o) => o === 'own');
  const add = (fnId: number, line: number, value: number, self: boolean) => {
    const fn = profile.functions[fnId - 1];
    const key = `${functionKey(fn.name, fn.filename)}\u0000${line}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = {
        key: functionKey(fn.name, fn.filename),
        function: fn.name,
        file: fn.filename,
        startLine: fn.startLine,
        line,
        value: 0,
        selfValue: 0,
      };
      byKey.set(key, entry);
    }
    entry.value += value;
    if (self) entry.selfValue += value;
  };
  // An anonymous callback (`rows.map((r) => ...)`) counts towards the named function of the
  // same file that passed it, at that function's line: that is the code a user recognises.
  const anonymous = profile.functions.map((f, i) => own[i] && f.name === '(anonymous)' && f.startLine > 1);
  for (const sample of profile.samples) {
    const value = sample.values[0];
    if (!value) continue;
    let pending: { fnId: number; line: number; self: boolean } | undefined;
    let done = false;
    for (let i = 0; i < sample.locationIds.length && !done; i++) {
      const loc = profile.locations[sample.locationIds[i] - 1];
      for (let j = 0; j < loc.lines.length; j++) {
        const fnId = loc.lines[j].functionId;
        if (!own[fnId - 1]) continue;
        const self = i === 0 && j === 0;
        if (
          pending &&
          profile.functions[fnId - 1].filename !== profile.functions[pending.fnId - 1].filename
        ) {
          done = true;
          break;
        }
        if (anonymous[fnId - 1]) {
          pending ??= { fnId, line: loc.lines[j].line, self };
          continue;
        }
        add(fnId, loc.lines[j].line, value, self);
        pending = undefined;
        done = true;
        break;
      }
    }
    if (pending) add(pending.fnId, pending.line, value, pending.self);
  }
  const out = [...byKey.values()];
  return lineTicks ? splitByTicks(out, lineTicks) : out;
}

function splitByTicks(lines: OwnLine[], ticks: LineTicks): OwnLine[] {
  const out: OwnLine[] = [];
  for (const l of lines) {
    const perLine = ticks.get(l.key);
    const sum = perLine ? [...perLine.values()].reduce((a, b) => a + b, 0) : 0;
    if (!perLine || sum === 0 || l.selfValue === 0 || l.line !== l.startLine) {
      out.push(l);
      continue;
    }
    // Only the self part is split; time in callees stays on the function's own line.
    const rest = l.value - l.selfValue;
    if (rest > 0) out.push({ ...l, value: rest, selfValue: 0 });
    for (const [line, n] of perLine) {
      const v = (l.selfValue * n) / sum;
      out.push({ ...l, line, value: v, selfValue: v });
    }
  }
  return out;
}
