import { createHash } from 'node:crypto';

/**
 * Content-hash ids for the ClickHouse store. The embedded store counts ids up because it is
 * the only writer of its file; ClickHouse may have many autoprof servers writing at once, so an
 * id is a 64-bit hash of what it names and two writers agree without talking. Ids travel as
 * decimal strings: UInt64 does not fit a JavaScript number, and ClickHouse's JSON output quotes
 * 64-bit integers anyway. 0 is reserved for "no parent" (the root).
 *
 * A 64-bit hash collides with probability ~n^2/2^65: about 3e-8 for a million stacks in one tree.
 */

/** hashId returns the id of the parts (joined unambiguously) as a decimal string, never '0'. */
export function hashId(...parts: string[]): string {
  const digest = createHash('sha1').update(parts.join('\u0001')).digest();
  const id = digest.readBigUInt64BE(0);
  return id === 0n ? '1' : id.toString();
}

/** treeId is the stack tree of one tenant + service. */
export function treeId(tenant: string, service: string): string {
  return hashId('tree', tenant, service);
}

/** frameId names a frame's text (shared by every tree). */
export function frameId(name: string): string {
  return hashId('frame', name);
}

/** stackId names a node: its tree, its parent node and its frame. */
export function stackId(tree: string, parent: string, frame: string): string {
  return hashId('stack', tree, parent, frame);
}

/** seriesId names a tenant's label set (labels in canonical JSON). */
export function seriesId(tenant: string, canonicalLabels: string): string {
  return hashId('series', tenant, canonicalLabels);
}
