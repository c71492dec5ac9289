import { filterSamples } from '../../model/filter.js';
import type { Profile } from '../../model/profile.js';
import { frameNamesRootFirst } from '../../model/profile.js';

/**
 * keepCallSite applies a `stack_trace_selector.call_site` (Pyroscope: "only stack traces having
 * the prefix provided will be selected", root first) to a merged profile: a sample stays when its
 * root-first function names begin with exactly these names. Grafana sends it when a flame graph
 * is focused on one call path. An empty call site keeps everything.
 */
export function keepCallSite(profile: Profile, callSite: readonly string[]): Profile {
  if (callSite.length === 0) return profile;
  return filterSamples(profile, (sample) => {
    const frames = frameNamesRootFirst(profile, sample);
    if (frames.length < callSite.length) return false;
    return callSite.every((name, i) => frames[i] === name);
  });
}
