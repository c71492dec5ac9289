/**
 * StackTree interns stacks as a parent-pointer tree, the shape Pyroscope and Parca store them in:
 * every stack is (parent stack id, frame id), so a stack shared by a million profiles is stored
 * once and a sample is just a stack id and a value. Ids are dense and global across trees (one
 * tree per tenant + service) so a merge can GROUP BY stack id without knowing the tree.
 *
 * Interning happens in memory; the store persists the new nodes in the same transaction as the
 * samples that use them, and calls `rollback` when that transaction fails so ids never point at
 * rows that were not written.
 */
export class StackTree {
  /** parentOf[id] and frameOf[id]; index 0 is unused (0 means "no parent": the root). */
  private readonly parentOf: number[] = [0];
  private readonly frameOf: number[] = [0];
  private readonly treeOf: number[] = [0];
  private readonly nodeIds = new Map<string, number>();
  private readonly frameIds = new Map<string, number>();
  private readonly frameNames: string[] = [''];
  private mark = { nodes: 1, frames: 1 };

  /** loadFrame and loadNode restore persisted entries at start-up (any order of ids). */
  loadFrame(id: number, name: string): void {
    this.frameNames[id] = name;
    this.frameIds.set(name, id);
  }

  loadNode(id: number, treeId: number, parentId: number, frameId: number): void {
    this.parentOf[id] = parentId;
    this.frameOf[id] = frameId;
    this.treeOf[id] = treeId;
    this.nodeIds.set(nodeKey(treeId, parentId, frameId), id);
  }

  /** begin marks the start of a write; `newNodes`/`newFrames` and `rollback` work from here. */
  begin(): void {
    this.mark = { nodes: this.parentOf.length, frames: this.frameNames.length };
  }

  /** intern returns the stack id of frames given root first, creating missing nodes. */
  intern(treeId: number, framesRootFirst: readonly string[]): number {
    let parent = 0;
    for (const name of framesRootFirst) {
      let frame = this.frameIds.get(name);
      if (frame === undefined) {
        frame = this.frameNames.length;
        this.frameNames.push(name);
        this.frameIds.set(name, frame);
      }
      const key = nodeKey(treeId, parent, frame);
      let id = this.nodeIds.get(key);
      if (id === undefined) {
        id = this.parentOf.length;
        this.parentOf.push(parent);
        this.frameOf.push(frame);
        this.treeOf.push(treeId);
        this.nodeIds.set(key, id);
      }
      parent = id;
    }
    return parent;
  }

  /** newFrames lists frames created since `begin`. */
  newFrames(): Array<{ id: number; name: string }> {
    const out: Array<{ id: number; name: string }> = [];
    for (let id = this.mark.frames; id < this.frameNames.length; id++)
      out.push({ id, name: this.frameNames[id] });
    return out;
  }

  /** newNodes lists stack nodes created since `begin`, as parallel columns. */
  newNodes(): { ids: number[]; trees: number[]; parents: number[]; frames: number[] } {
    const ids: number[] = [];
    const trees: number[] = [];
    const parents: number[] = [];
    const frames: number[] = [];
    for (let id = this.mark.nodes; id < this.parentOf.length; id++) {
      ids.push(id);
      trees.push(this.treeOf[id]);
      parents.push(this.parentOf[id]);
      frames.push(this.frameOf[id]);
    }
    return { ids, trees, parents, frames };
  }

  /** rollback forgets everything interned since `begin`. */
  rollback(): void {
    for (const [key, id] of this.nodeIds) if (id >= this.mark.nodes) this.nodeIds.delete(key);
    for (let id = this.mark.frames; id < this.frameNames.length; id++)
      this.frameIds.delete(this.frameNames[id]);
    this.parentOf.length = this.mark.nodes;
    this.frameOf.length = this.mark.nodes;
    this.treeOf.length = this.mark.nodes;
    this.frameNames.length = this.mark.frames;
  }

  /** framesRootFirst rebuilds a stack from its parent pointers. */
  framesRootFirst(stackId: number): string[] {
    const names: string[] = [];
    for (let id = stackId; id !== 0 && id !== undefined; id = this.parentOf[id])
      names.push(this.frameNames[this.frameOf[id]]);
    return names.reverse();
  }

  /** parent and frameName expose one node, so callers can memoise shared prefixes. */
  parent(stackId: number): number {
    return this.parentOf[stackId] ?? 0;
  }

  frameName(stackId: number): string {
    return this.frameNames[this.frameOf[stackId]];
  }

  get size(): number {
    return this.parentOf.length - 1;
  }
}

function nodeKey(treeId: number, parent: number, frame: number): string {
  return `${treeId}:${parent}:${frame}`;
}
