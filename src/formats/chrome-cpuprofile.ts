import type { Profile } from '../model/profile.js';
import { buildCpuProfile } from './chrome/build-cpu-profile.js';
import {
  isLegacyCpuProfile,
  isModernCpuProfile,
  readLegacyCpuProfile,
  readModernCpuProfile,
} from './chrome/cpu-profile-data.js';
import { containsAscii, firstNonSpaceByte, JsonReader, parseJsonDocument } from './chrome/json-document.js';
import { collectTraceProfiles, hasCpuProfileEvents, traceEventsOf } from './chrome/trace-profiles.js';
import type { FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'chrome-cpuprofile';

/**
 * chromeCpuprofileImporter reads V8 CPU profiles: Node's `--cpu-prof` output and the inspector's
 * `Profiler.stop` result (`.cpuprofile`), the pre-2016 `{head, timestamps}` layout, and Chrome
 * performance-panel traces (an event array or `{traceEvents}`) holding `CpuProfile` or
 * `Profile`/`ProfileChunk` events. A trace yields one profile per profiled thread, named after
 * the thread when there are several.
 */
export const chromeCpuprofileImporter: FormatImporter = {
  name: FORMAT,
  sniff(bytes: Uint8Array): boolean {
    const first = firstNonSpaceByte(bytes);
    if (first !== 0x7b && first !== 0x5b) return false; // '{' or '['
    if (containsAscii(bytes, '"ProfileChunk"') || containsAscii(bytes, '"CpuProfile"')) return true;
    if (first !== 0x7b || containsAscii(bytes, 'speedscope.app/file-format-schema')) return false;
    const modern = containsAscii(bytes, '"nodes"') && containsAscii(bytes, '"timeDeltas"');
    const legacy = containsAscii(bytes, '"head"') && containsAscii(bytes, '"timestamps"');
    return (modern || legacy) && containsAscii(bytes, '"samples"');
  },
  importProfiles(bytes: Uint8Array, options: ImportOptions): Profile[] {
    const reader: JsonReader = new JsonReader(FORMAT, options.source);
    const doc = parseJsonDocument(bytes, FORMAT, options.source);
    if (isModernCpuProfile(doc)) {
      const data = readModernCpuProfile(reader, doc, '');
      return [buildCpuProfile(data, reader, { danglingRefs: 'error', path: '', warn: options.warn })];
    }
    if (isLegacyCpuProfile(doc)) {
      const data = readLegacyCpuProfile(reader, doc);
      return [buildCpuProfile(data, reader, { danglingRefs: 'error', path: '', warn: options.warn })];
    }
    const events = traceEventsOf(doc);
    if (!events || !hasCpuProfileEvents(events)) {
      reader.fail(
        'no CPU profile: expected {nodes, samples, timeDeltas} or trace events with ProfileChunk',
        '$',
      );
    }
    const eventsPath = Array.isArray(doc) ? '$' : 'traceEvents';
    const traced = collectTraceProfiles(events, reader, eventsPath, options.warn);
    return traced.map((t) => {
      const profile = buildCpuProfile(t.data, reader, {
        danglingRefs: 'tolerate',
        path: t.path,
        warn: options.warn,
      });
      if (t.threadName && traced.length > 1) profile.name = t.threadName;
      return profile;
    });
  },
};
