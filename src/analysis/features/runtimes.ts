import type { Profile } from '../../model/profile.js';

/** Runtime is the language runtime a frame or profile belongs to; patterns are scoped by it. */
export type Runtime = 'node' | 'python' | 'jvm' | 'go' | 'native';

export const RUNTIMES: readonly Runtime[] = ['node', 'python', 'jvm', 'go', 'native'];

/** runtimeOfFrame guesses a frame's runtime from its file, then its name. */
export function runtimeOfFrame(name: string, file: string): Runtime | undefined {
  if (/\.py[cw]?$|<frozen |python\d/.test(file)) return 'python';
  if (/^(node:|file:\/\/)|\.(c|m)?[jt]sx?$/.test(file)) return 'node';
  if (
    /\.(java|kt|scala)$/.test(file) ||
    /^(java|javax|jdk|sun)\.|^[a-z]+(\.[a-z0-9_]+)+\.[A-Z]\w*[.:]/.test(name)
  )
    return 'jvm';
  if (/\.go$/.test(file) || /^(runtime|main|sync|syscall|net\/http)\.[\w(*]/.test(name)) return 'go';
  if (/\.(c|cc|cpp|cxx|h|hpp|rs)$|\.so(\.\d+)*$|^\[/.test(file)) return 'native';
  return undefined;
}

/**
 * runtimesOfProfile lists the runtimes whose frames carry at least 1% of the samples' frames;
 * a profile with no recognisable frame is 'native' (perf of a C program has bare symbols).
 */
export function runtimesOfProfile(profile: Profile): Runtime[] {
  const counts = new Map<Runtime, number>();
  for (const fn of profile.functions) {
    const r = runtimeOfFrame(fn.name, fn.filename);
    if (r) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const total = profile.functions.length;
  const found = [...counts].filter(([, n]) => n >= Math.max(1, total * 0.01)).map(([r]) => r);
  // Native frames sit under every runtime (libc, the kernel); native patterns always apply.
  if (!found.includes('native')) found.push('native');
  return found;
}
