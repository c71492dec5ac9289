import type { Profile } from '../../model/profile.js';
import { functionOrigins } from '../frame-origin.js';
import type { SampleView } from './sample-views.js';

// Module loading: Python's importlib, Node's CommonJS/ESM loaders, the JVM's class loaders.
const LOADER_FILE = /^<frozen importlib\._bootstrap(_external)?>$|^node:internal\/modules\//;
const LOADER_NAME =
  /^(_find_and_load|_find_and_load_unlocked|_load_unlocked|_call_with_frames_removed)$|^(java|jdk)[./].*ClassLoader[.:]+(loadClass|defineClass)\w*$|^(java\.lang\.ClassLoader|jdk\.internal\.loader\.\w+)[.:]/;

/** isModuleLoaderFrame: a frame of the runtime's module or class loading machinery. */
export function isModuleLoaderFrame(name: string, file: string): boolean {
  return LOADER_FILE.test(file) || LOADER_NAME.test(name);
}

/**
 * isStartupSample: the sample is a module being loaded by the program (a loader frame below an
 * own frame: `import yaml` at a script's top level, `require('lodash')`). That cost is paid once
 * per process, so it is start-up, not a hotspot of steady-state work. The program's own main
 * module runs under the loader too, but with no own frame above it, so it is not start-up.
 * `frames` are function ids, leaf first.
 */
export function isStartupSample(frames: number[], own: boolean[], loader: boolean[]): boolean {
  let sawLoader = false;
  for (const f of frames) {
    if (loader[f - 1]) sawLoader = true;
    else if (sawLoader && own[f - 1]) return true;
  }
  return false;
}

const cache = new WeakMap<SampleView, SampleView>();

/**
 * withoutStartup drops start-up samples (see isStartupSample) from a view; the total stays the
 * view's, so shares remain shares of the whole run.
 */
export function withoutStartup(view: SampleView): SampleView {
  const hit = cache.get(view);
  if (hit) return hit;
  const p = view.profile;
  const own = functionOrigins(p.functions).map((o) => o === 'own');
  const loader = p.functions.map((fn) => isModuleLoaderFrame(fn.name, fn.filename));
  let out = view;
  if (loader.some(Boolean)) {
    const samples = p.samples.filter((s) => !isStartupSample(framesOf(p, s.locationIds), own, loader));
    if (samples.length !== p.samples.length) out = { ...view, profile: { ...p, samples } };
  }
  cache.set(view, out);
  return out;
}

function framesOf(p: Profile, locationIds: number[]): number[] {
  const out: number[] = [];
  for (const id of locationIds) for (const l of p.locations[id - 1].lines) out.push(l.functionId);
  return out;
}
