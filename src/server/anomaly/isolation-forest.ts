import { createRng, type Rng } from '../../analysis/seeded-random.js';

/**
 * An isolation forest (Liu, Ting & Zhou, 2008) over function-share vectors. A shape that never
 * occurred in the baseline is isolated by few random axis-aligned cuts, so its mean path length
 * is short and its score near 1; shapes like the baseline's score near or below 0.5. It catches
 * changes that no single function's z-score does: several functions moving a little together.
 */

type TreeNode =
  | { size: number }
  | { feature: number; split: number; min: number; max: number; left: TreeNode; right: TreeNode };

/** IsolationForest is a trained forest; `sampleSize` normalises path lengths. */
export interface IsolationForest {
  trees: TreeNode[];
  sampleSize: number;
  dimensions: number;
}

/** IsolationForestOptions: defaults follow the paper (100 trees, 256 points per tree). */
export interface IsolationForestOptions {
  trees?: number;
  sampleSize?: number;
  seed?: number;
}

/** buildIsolationForest trains on `points` (each the same length). */
export function buildIsolationForest(
  points: readonly number[][],
  options: IsolationForestOptions = {},
): IsolationForest {
  const rng = createRng(options.seed ?? 1);
  const sampleSize = Math.min(options.sampleSize ?? 256, points.length);
  const heightLimit = Math.ceil(Math.log2(Math.max(2, sampleSize)));
  const trees: TreeNode[] = [];
  for (let t = 0; t < (options.trees ?? 100); t++) {
    trees.push(grow(subsample(points, sampleSize, rng), 0, heightLimit, rng));
  }
  return { trees, sampleSize, dimensions: points[0]?.length ?? 0 };
}

/** isolationScore is s(x) = 2^(-E[h(x)] / c(n)): ~1 is anomalous, <= 0.5 is ordinary. */
export function isolationScore(forest: IsolationForest, x: readonly number[]): number {
  if (forest.trees.length === 0 || forest.sampleSize < 2) return 0.5;
  let sum = 0;
  for (const tree of forest.trees) sum += pathLength(tree, x, 0);
  return 2 ** (-(sum / forest.trees.length) / averagePathLength(forest.sampleSize));
}

/** averagePathLength c(n) is the mean unsuccessful-search length of a BST over n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  const harmonic = Math.log(n - 1) + 0.5772156649015329;
  return 2 * harmonic - (2 * (n - 1)) / n;
}

/**
 * pathLength follows x down a tree. A value outside the node's training range on the split
 * feature is isolated right there: no training point lies that way. Plain iForest would send it
 * down with the edge points, which suits outliers inside the training set but undersells a
 * novel window, the case that matters here (calibration on baseline minutes keeps the
 * threshold honest about how often in-range minutes land outside one tree's subsample).
 */
function pathLength(node: TreeNode, x: readonly number[], depth: number): number {
  if ('size' in node) return depth + averagePathLength(node.size);
  if (x[node.feature] < node.min || x[node.feature] > node.max) return depth + 1;
  return pathLength(x[node.feature] < node.split ? node.left : node.right, x, depth + 1);
}

function grow(points: number[][], depth: number, limit: number, rng: Rng): TreeNode {
  if (depth >= limit || points.length <= 1) return { size: points.length };
  // Draw features at random until one varies in this node (only those can split it); the
  // order is a random permutation, so with none left the node is a leaf.
  const dims = points[0].length;
  const order = Array.from({ length: dims }, (_, i) => i);
  let feature = -1;
  let min = 0;
  let max = 0;
  for (let i = 0; i < dims && feature < 0; i++) {
    const j = i + Math.floor(rng() * (dims - i));
    [order[i], order[j]] = [order[j], order[i]];
    const f = order[i];
    min = Number.POSITIVE_INFINITY;
    max = Number.NEGATIVE_INFINITY;
    for (const p of points) {
      if (p[f] < min) min = p[f];
      if (p[f] > max) max = p[f];
    }
    if (max > min) feature = f;
  }
  if (feature < 0) return { size: points.length };
  const split = min + rng() * (max - min);
  const left: number[][] = [];
  const right: number[][] = [];
  for (const p of points) (p[feature] < split ? left : right).push(p);
  return {
    feature,
    split,
    min,
    max,
    left: grow(left, depth + 1, limit, rng),
    right: grow(right, depth + 1, limit, rng),
  };
}

function subsample(points: readonly number[][], n: number, rng: Rng): number[][] {
  if (n >= points.length) return [...points];
  // Partial Fisher–Yates over indices: n distinct points without replacement.
  const idx = points.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n).map((i) => points[i]);
}
