/**
 * Rng is a seeded uniform generator on [0, 1). Detection must be reproducible: the same
 * baseline has to give the same isolation forest, or an alert could flap between two runs of
 * the job over identical data.
 */
export type Rng = () => number;

/** createRng returns mulberry32 seeded with `seed` (any 32-bit integer). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** hashSeed folds a string into a 32-bit seed, so each baseline gets its own stable stream. */
export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
