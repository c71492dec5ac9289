import { readFileSync, statSync } from 'node:fs';
import { AutoprofError } from '../errors.js';
import { maybeGunzip } from './decompress.js';

/** readInputBytes reads a file (or stdin for '-') and transparently gunzips it. */
export function readInputBytes(path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    if (path === '-') {
      raw = readFileSync(0);
    } else {
      if (statSync(path).isDirectory())
        throw new AutoprofError(`${path}: is a directory, expected a profile file`);
      raw = readFileSync(path);
    }
  } catch (err) {
    if (err instanceof AutoprofError) throw err;
    const code = (err as { code?: string }).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new AutoprofError(`${path}: ${reason}`);
  }
  return maybeGunzip(raw, path);
}
