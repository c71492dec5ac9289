import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** repoPath resolves a path inside the repository. */
export function repoPath(...parts: string[]): string {
  return resolve(repoRoot, ...parts);
}

/** corporaDir is ../shared/corpora beside the repository, or AUTOPROF_CORPORA. */
export function corporaDir(): string {
  return process.env.AUTOPROF_CORPORA ?? resolve(repoRoot, '..', 'shared', 'corpora');
}

/** corpusPath resolves a path inside the corpora folder. */
export function corpusPath(...parts: string[]): string {
  return resolve(corporaDir(), ...parts);
}

/**
 * corporaSkipReason returns why conformance tests must skip (the folder or a subfolder is
 * absent), and prints it loudly so a skip is never silent; undefined when present.
 */
export function corporaSkipReason(subfolder = ''): string | undefined {
  const dir = corpusPath(subfolder);
  if (existsSync(dir)) return undefined;
  const reason = `SKIPPED: corpora folder ${dir} is absent (set AUTOPROF_CORPORA to the shared corpora)`;
  process.stderr.write(`\n*** ${reason} ***\n`);
  return reason;
}
