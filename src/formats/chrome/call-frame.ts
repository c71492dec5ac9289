import type { FrameSpec } from '../../model/builder.js';
import type { JsonReader } from './json-document.js';
import { isJsonObject } from './json-document.js';

/**
 * V8CallFrame is V8's `Runtime.CallFrame` as found in CPU profiles, heap profiles and Chrome
 * trace chunks. Positions are 0-based; -1 (or absent) means unknown, e.g. for `(program)`.
 */
export interface V8CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/**
 * readCallFrame reads a call frame leniently: Chrome trace chunks omit `url` and positions for
 * native frames, so only a present-but-mistyped field is an error.
 */
export function readCallFrame(reader: JsonReader, value: unknown, path: string): V8CallFrame {
  const cf = reader.object(value, path);
  return {
    functionName: reader.optionalString(cf.functionName, `${path}.functionName`),
    url: reader.optionalString(cf.url, `${path}.url`),
    lineNumber: reader.optionalFinite(cf.lineNumber, `${path}.lineNumber`, -1),
    columnNumber: reader.optionalFinite(cf.columnNumber, `${path}.columnNumber`, -1),
  };
}

/** hasCallFrame reports whether a node carries a `callFrame` object (the post-2016 layout). */
export function hasCallFrame(node: unknown): boolean {
  return isJsonObject(node) && isJsonObject(node.callFrame);
}

/**
 * callFrameToFrame maps a V8 call frame to a model frame. Lines and columns become 1-based
 * (0 = unknown) as in pprof. An empty function name is shown as `(anonymous)`, the way DevTools
 * shows it, while `systemName` keeps the raw empty name so consumers can tell a real function
 * called "(anonymous)" from an unnamed one. V8 gives the function's own position, so it serves as
 * both the start line and the line of the location.
 */
export function callFrameToFrame(cf: V8CallFrame): FrameSpec {
  const line = cf.lineNumber >= 0 ? Math.trunc(cf.lineNumber) + 1 : 0;
  const column = cf.columnNumber >= 0 ? Math.trunc(cf.columnNumber) + 1 : 0;
  return {
    name: cf.functionName || '(anonymous)',
    systemName: cf.functionName,
    file: cf.url,
    line,
    column,
    startLine: line,
  };
}
