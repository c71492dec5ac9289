import { InputLimitError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { callFrameToFrame, readCallFrame } from './chrome/call-frame.js';
import type { JsonObject } from './chrome/json-document.js';
import {
  containsAscii,
  firstNonSpaceByte,
  isJsonObject,
  JsonReader,
  parseJsonDocument,
} from './chrome/json-document.js';
import type { FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'v8-heapprofile';

/** MAX_STACK_FRAMES caps frames materialised over all samples (a deep tree is otherwise quadratic). */
const MAX_STACK_FRAMES = 50_000_000;

/**
 * v8HeapprofileImporter reads V8 sampling heap profiles: Node's `--heap-prof` output, DevTools'
 * "Allocation sampling" save (`.heapprofile`) and the inspector's
 * `HeapProfiler.stopSampling` result: `{head: {callFrame, selfSize, children: [...]}, samples?}`.
 * Each node with a non-zero `selfSize` becomes one sample of that many bytes, sample type
 * space/bytes as pprof-nodejs names it (the bytes of sampled allocations still live when the
 * profile was taken). The synthetic `(root)` frame is dropped.
 */
export const v8HeapprofileImporter: FormatImporter = {
  name: FORMAT,
  sniff(bytes: Uint8Array): boolean {
    return (
      firstNonSpaceByte(bytes) === 0x7b &&
      containsAscii(bytes, '"head"') &&
      containsAscii(bytes, '"selfSize"') &&
      containsAscii(bytes, '"callFrame"') &&
      !containsAscii(bytes, 'speedscope.app/file-format-schema')
    );
  },
  importProfiles(bytes: Uint8Array, options: ImportOptions): Profile[] {
    const reader: JsonReader = new JsonReader(FORMAT, options.source);
    const doc = parseJsonDocument(bytes, FORMAT, options.source);
    if (!isJsonObject(doc)) reader.fail('expected an object with a "head" node', '$');
    return [importHeapTree(reader, reader.object(doc.head, 'head'))];
  },
};

/** importHeapTree walks the node tree with an explicit stack, so deep input cannot overflow ours. */
function importHeapTree(reader: JsonReader, head: JsonObject): Profile {
  const builder = new ProfileBuilder([{ type: 'space', unit: 'bytes' }]);
  // Per visited node: its location (0 = the dropped root) and its parent's index (-1 = none).
  const locationOf: number[] = [];
  const parentOf: number[] = [];
  let frames = 0;
  const pending: Array<{ value: unknown; path: string; parent: number }> = [
    { value: head, path: 'head', parent: -1 },
  ];
  while (pending.length > 0) {
    const { value, path, parent } = pending.pop()!;
    const node = reader.object(value, path);
    const callFrame = readCallFrame(reader, node.callFrame, `${path}.callFrame`);
    const selfSize = reader.optionalFinite(node.selfSize, `${path}.selfSize`, 0);
    if (selfSize < 0) reader.fail(`negative selfSize ${selfSize}`, `${path}.selfSize`);
    const isRoot = parent < 0 && callFrame.functionName === '(root)';
    const index = locationOf.length;
    locationOf.push(isRoot ? 0 : builder.locationId(callFrameToFrame(callFrame)));
    parentOf.push(parent);
    if (selfSize > 0) {
      const stack: number[] = [];
      for (let n = index; n >= 0; n = parentOf[n]) if (locationOf[n] !== 0) stack.push(locationOf[n]);
      frames += stack.length;
      if (frames > MAX_STACK_FRAMES) {
        throw new InputLimitError(`${reader.source}: more than ${MAX_STACK_FRAMES} stack frames in samples`);
      }
      if (stack.length > 0) builder.addSample(stack, [selfSize]);
    }
    if (node.children !== undefined && node.children !== null) {
      const children = reader.array(node.children, `${path}.children`);
      for (let i = children.length - 1; i >= 0; i--) {
        pending.push({ value: children[i], path: `${path}.children[${i}]`, parent: index });
      }
    }
  }
  return builder.build();
}
