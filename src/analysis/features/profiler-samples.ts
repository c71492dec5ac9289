import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../../model/profile.js';
import type { SampleView } from './sample-views.js';
import { isProfilerThread } from './thread-roles.js';

/**
 * autoprof's own code when it runs inside a target: the Node preload (built
 * `dist/collect/node-preload.cjs`, or the copy transpiled from source into the temp folder), the
 * Python sampler and its sitecustomize, and the Node agent (built, or transpiled into
 * `node_modules/.cache/autoprof-agent-<hash>/`). Files with names only autoprof gives are
 * matched anywhere; files inside the package layout only when they are in an `autoprof*` folder
 * or in this very install, so a program's own `dist/agent/` is never taken for autoprof's.
 * Paths are matched by their tail, so a run analysed on another machine, or a frame named by
 * URL (`file:///...`), is judged the same.
 */
const AUTOPROF_NAMED =
  /(^|[\\/])autoprof-node-preload-[0-9a-f]+\.cjs$|(^|[\\/])autoprof_sampler\.py$|[\\/]autoprof-agent-[0-9a-f]+[\\/][^\\/]+\.cjs$/;
const PACKAGE_FILE =
  /[\\/](src|dist)[\\/](collect[\\/]node-preload\.c[jt]s|collect[\\/]py-sampler[\\/][^\\/]+\.py|agent[\\/][^\\/]+\.c[jt]s)$/;
const AUTOPROF_FOLDER = /[\\/]autoprof[^\\/]*[\\/]/;
// This install's root (src/analysis/features/ or dist/analysis/features/ up three levels).
const OWN_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** isAutoprofFile says whether a frame's file is autoprof's own code. */
export function isAutoprofFile(file: string): boolean {
  if (file === '') return false;
  if (AUTOPROF_NAMED.test(file)) return true;
  if (!PACKAGE_FILE.test(file)) return false;
  const path = file.replace(/^file:\/\//, '');
  return AUTOPROF_FOLDER.test(path) || path.startsWith(OWN_ROOT + sep);
}

// Python samplers render a frame as "func (file:line)" with no separate file.
const EMBEDDED_FILE = /\(([^()]+):\d+\)$/;

function autoprofFunctionIds(profile: Profile): Set<number> {
  const ids = new Set<number>();
  for (const f of profile.functions) {
    const file = f.filename || EMBEDDED_FILE.exec(f.name)?.[1] || '';
    if (isAutoprofFile(file)) ids.add(f.id);
  }
  return ids;
}

function autoprofLocationIds(profile: Profile): Set<number> {
  const fns = autoprofFunctionIds(profile);
  const ids = new Set<number>();
  if (fns.size === 0) return ids;
  for (const loc of profile.locations) if (loc.lines.some((l) => fns.has(l.functionId))) ids.add(loc.id);
  return ids;
}

/** PROFILER_LABEL_KEYS: labels that name the sampled thread (perf, pprof, JFR). */
const PROFILER_LABEL_KEYS = new Set(['comm', 'thread', 'thread_name']);

/** ProfilerSplit is a view without autoprof's own samples, and how much was taken out. */
export interface ProfilerSplit {
  view: SampleView;
  /** removed is the value of the samples left out, in the view's unit. */
  removed: number;
}

/**
 * withoutProfilerSamples leaves out of a view every sample that is the profiler's own work,
 * not the program's: a stack with a frame of autoprof's code in it (the preload writing its
 * profile at exit, the agent encoding and pushing, the Python sampler), and samples of a
 * profiler's thread inside the target (perf labels them with the thread's name). Their value
 * is profiling cost: it is returned so the caller can say how much it was.
 */
export function withoutProfilerSamples(view: SampleView): ProfilerSplit {
  const locations = autoprofLocationIds(view.profile);
  let removed = 0;
  const kept = view.profile.samples.filter((s) => {
    const ours =
      s.locationIds.some((id) => locations.has(id)) ||
      (s.labels ?? []).some((l) => PROFILER_LABEL_KEYS.has(l.key) && isProfilerThread(l.str ?? ''));
    if (ours) removed += Math.abs(s.values[0] ?? 0);
    return !ours;
  });
  if (removed === 0) return { view, removed: 0 };
  return {
    view: { ...view, total: view.total - removed, profile: { ...view.profile, samples: kept } },
    removed,
  };
}
