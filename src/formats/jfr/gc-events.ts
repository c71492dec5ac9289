import { forEachEvent, hasJfrMagic } from './chunk.js';
import { JfrReader } from './reader.js';
import type { JfrValue } from './values.js';

/** GcTotals sums a recording's garbage collections: count and stop-the-world pause time. */
export interface GcTotals {
  collections: number;
  pauseMs: number;
  /** gcMs: the collections' own durations (concurrent phases included), for context. */
  gcMs: number;
}

function num(v: JfrValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

/**
 * gcTotalsOfJfr reads jdk.GarbageCollection events (one per collection, with sumOfPauses and
 * duration in ticks) from a JDK recording; undefined when it has none (async-profiler files,
 * or GC events disabled). Pause time is what the program's threads lost to the collector.
 */
export function gcTotalsOfJfr(bytes: Uint8Array, source: string): GcTotals | undefined {
  if (!hasJfrMagic(bytes)) return undefined;
  const r = new JfrReader(bytes, source);
  let collections = 0;
  let pauseMs = 0;
  let gcMs = 0;
  forEachEvent(r, (cls, chunk) => {
    if (cls.name !== 'jdk.GarbageCollection') return;
    const values = chunk.decoder.readObject(cls) as JfrValue[];
    const ms = 1000 / (chunk.header.ticksPerSecond || 1e9);
    const at = (name: string) => {
      const i = cls.fieldIndex.get(name);
      return i === undefined ? undefined : values[i];
    };
    collections++;
    const duration = num(at('duration')) * ms;
    const pauses = at('sumOfPauses');
    pauseMs += pauses === undefined ? duration : num(pauses) * ms;
    gcMs += duration;
  });
  if (collections === 0) return undefined;
  return { collections, pauseMs, gcMs };
}
