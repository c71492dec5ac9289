import type { FunctionInfo, Label, Location, Mapping, Profile, Sample, ValueType } from './profile.js';
import { emptyProfile } from './profile.js';

/**
 * mergeProfiles combines profiles into one: the union of their sample types (aligned by type
 * and unit, zero where a source lacks one), functions, locations and mappings interned once, and
 * samples with the same stack and labels summed. Like pprof's merge, so a diff can later be the
 * head merged with the base scaled by -1.
 */
export function mergeProfiles(profiles: Profile[]): Profile {
  const sampleTypes = unionSampleTypes(profiles);
  const merged = emptyProfile(sampleTypes);
  const typeKey = (t: ValueType) => `${t.type}/${t.unit}`;
  const typeIndex = new Map(sampleTypes.map((t, i) => [typeKey(t), i]));
  const interner = new ProfileInterner(merged);
  const sampleIndex = new Map<string, Sample>();

  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const p of profiles) {
    if (p.timeNanos > 0) {
      start = Math.min(start, p.timeNanos);
      end = Math.max(end, p.timeNanos + p.durationNanos);
    }
    merged.durationNanos = Math.max(merged.durationNanos, p.durationNanos);
    merged.period = merged.period || p.period;
    merged.periodType ??= p.periodType;
    merged.defaultSampleType ??= p.defaultSampleType;
    for (const c of p.comments) if (!merged.comments.includes(c)) merged.comments.push(c);

    const columns = p.sampleTypes.map((t) => typeIndex.get(typeKey(t)) as number);
    const locationMap = p.locations.map((loc) => interner.location(p, loc));
    for (const s of p.samples) {
      const locationIds = s.locationIds.map((id) => locationMap[id - 1]);
      const key = sampleKey(locationIds, s.labels);
      let target = sampleIndex.get(key);
      if (!target) {
        target = { locationIds, values: new Array<number>(sampleTypes.length).fill(0) };
        if (s.labels && s.labels.length > 0) target.labels = s.labels.map((l) => ({ ...l }));
        sampleIndex.set(key, target);
        merged.samples.push(target);
      }
      for (let i = 0; i < columns.length; i++) target.values[columns[i]] += s.values[i];
    }
  }
  if (Number.isFinite(start)) {
    merged.timeNanos = start;
    merged.durationNanos = Math.max(merged.durationNanos, end - start);
  }
  return merged;
}

/** unionSampleTypes keeps the first profile's order, then appends types others add. */
export function unionSampleTypes(profiles: Profile[]): ValueType[] {
  const seen = new Set<string>();
  const out: ValueType[] = [];
  for (const p of profiles) {
    for (const t of p.sampleTypes) {
      const key = `${t.type}/${t.unit}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ ...t });
      }
    }
  }
  return out;
}

function sampleKey(locationIds: number[], labels: Label[] | undefined): string {
  const stack = locationIds.join(',');
  if (!labels || labels.length === 0) return stack;
  const parts = labels.map((l) => `${l.key}=${l.str ?? ''}#${l.num ?? ''}${l.numUnit ?? ''}`).sort();
  return `${stack}|${parts.join('\u0001')}`;
}

/**
 * ProfileInterner copies functions, mappings and locations from source profiles into a target,
 * reusing entries that are equal by content. Shared by merge and compaction.
 */
export class ProfileInterner {
  private readonly functions = new Map<string, number>();
  private readonly mappings = new Map<string, number>();
  private readonly locations = new Map<string, number>();

  constructor(private readonly target: Profile) {}

  function(fn: FunctionInfo): number {
    const key = `${fn.name}\u0000${fn.systemName}\u0000${fn.filename}\u0000${fn.startLine}`;
    let id = this.functions.get(key);
    if (id === undefined) {
      id = this.target.functions.length + 1;
      this.target.functions.push({ ...fn, id });
      this.functions.set(key, id);
    }
    return id;
  }

  mapping(m: Mapping): number {
    const key = `${m.filename}\u0000${m.buildId}\u0000${m.memoryStart}\u0000${m.memoryLimit}\u0000${m.fileOffset}`;
    let id = this.mappings.get(key);
    if (id === undefined) {
      id = this.target.mappings.length + 1;
      this.target.mappings.push({ ...m, id });
      this.mappings.set(key, id);
    }
    return id;
  }

  location(source: Profile, loc: Location): number {
    const mappingId = loc.mappingId ? this.mapping(source.mappings[loc.mappingId - 1]) : 0;
    const lines = loc.lines.map((l) => {
      const functionId = this.function(source.functions[l.functionId - 1]);
      return l.column ? { functionId, line: l.line, column: l.column } : { functionId, line: l.line };
    });
    // Unsymbolized locations are told apart by address; symbolized ones by their lines, so the
    // same function from two processes (different load addresses) merges into one location.
    const key =
      lines.length > 0
        ? `${mappingId}|${lines.map((l) => `${l.functionId}:${l.line}:${l.column ?? 0}`).join(',')}`
        : `${mappingId}|@${loc.address}`;
    let id = this.locations.get(key);
    if (id === undefined) {
      id = this.target.locations.length + 1;
      const copy: Location = { id, mappingId, address: loc.address, lines };
      if (loc.isFolded) copy.isFolded = true;
      this.target.locations.push(copy);
      this.locations.set(key, id);
    }
    return id;
  }
}
