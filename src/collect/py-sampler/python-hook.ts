import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FormatName } from '../../formats/types.js';
import type { ArtifactKind, ArtifactRecord, Availability, CollectorName, LaunchSpec } from '../collector.js';

/**
 * PY_SAMPLER_FOLDER is where the Python half of the python and cprofile collectors lives,
 * relative to the package root. tsc does not copy .py files to dist/, so both the source
 * tree and the built package read them from here (package.json "files" must list it).
 */
export const PY_SAMPLER_FOLDER = 'src/collect/py-sampler';

/** pySamplerDir finds the folder holding sitecustomize.py by walking up to the package root. */
export function pySamplerDir(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const candidate = join(dir, PY_SAMPLER_FOLDER);
      if (existsSync(join(candidate, 'sitecustomize.py'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PY_SAMPLER_FOLDER}/sitecustomize.py not found above ${from}`);
    dir = parent;
  }
}

/**
 * withPythonHook puts the sampler folder first on PYTHONPATH (once, even when the python and
 * cprofile collectors both ask) and sets the AUTOPROF_PY_* variables that switch parts on.
 * PYTHONPATH, unlike argv rewriting, reaches every interpreter of the tree and leaves
 * `-m`, `-c` and sys.argv exactly as the user wrote them.
 */
export function withPythonHook(
  launch: LaunchSpec,
  vars: Record<string, string>,
  hookDir = pySamplerDir(),
): LaunchSpec {
  const existing = (launch.env.PYTHONPATH ?? '').split(delimiter).filter((p) => p !== '');
  const already = existing.some((p) => resolve(launch.cwd, p) === hookDir);
  const pythonPath = already ? existing : [hookDir, ...existing];
  return { ...launch, env: { ...launch.env, ...vars, PYTHONPATH: pythonPath.join(delimiter) } };
}

/** looksLikePython says whether argv[0] names a Python interpreter (python, python3.11, pypy3). */
export function looksLikePython(argv: readonly string[]): boolean {
  const base = (argv[0] ?? '').split('/').pop() ?? '';
  return /^(python|pypy)[\d.]*$/.test(base);
}

/** PyArtifactType describes one kind of file the Python hook writes, by file-name suffix. */
export interface PyArtifactType {
  suffix: string;
  kind: ArtifactKind;
  format?: FormatName;
  description: string;
}

/** listPyArtifacts lists `python-<pid><suffix>` files of the given types as records. */
export function listPyArtifacts(
  artifactsDir: string,
  runDir: string,
  collector: CollectorName,
  types: readonly PyArtifactType[],
): ArtifactRecord[] {
  const records: ArtifactRecord[] = [];
  for (const name of readdirSync(artifactsDir).sort()) {
    const m = /^python-(\d+)(\..+)$/.exec(name);
    const type = m ? types.find((t) => t.suffix === m[2]) : undefined;
    if (!m || !type) continue;
    const full = join(artifactsDir, name);
    records.push({
      path: relative(runDir, full),
      kind: type.kind,
      collector,
      ...(type.format ? { format: type.format } : {}),
      pid: Number(m[1]),
      description: type.description,
      bytes: statSync(full).size,
    });
  }
  return records;
}

/**
 * pySamplerAvailability is the availability of the collectors that load the Python hook: they
 * need the sampler's files, found from the package root.
 */
export async function pySamplerAvailability(): Promise<Availability> {
  try {
    pySamplerDir();
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}
