import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * nodeAgentPath finds the CommonJS agent to pass to `node --require`: `agent.cjs` next to this
 * module in the built package. From source (tsx), plain `node` cannot load TypeScript, so the
 * agent's .cts files are transpiled once into `node_modules/.cache/autoprof-agent-<hash>/` of the
 * package, where `require('pprof-format')` still resolves.
 */
export async function nodeAgentPath(): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, 'agent.cjs');
  if (existsSync(built)) return built;
  const sources = readdirSync(here)
    .filter((f) => f.endsWith('.cts'))
    .sort();
  const hash = createHash('sha256');
  for (const f of sources) hash.update(f).update(readFileSync(join(here, f)));
  const root = join(here, '..', '..');
  const target = join(root, 'node_modules', '.cache', `autoprof-agent-${hash.digest('hex').slice(0, 12)}`);
  const entry = join(target, 'agent.cjs');
  if (existsSync(entry)) return entry;
  const ts = await import('typescript');
  // Build in a scratch folder and rename it into place, so concurrent test files never see half of it.
  const scratch = `${target}.${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  for (const f of sources) {
    const out = ts.transpileModule(readFileSync(join(here, f), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
      fileName: join(here, f),
    });
    writeFileSync(join(scratch, f.replace(/\.cts$/, '.cjs')), out.outputText);
  }
  try {
    renameSync(scratch, target);
  } catch {
    // Another process won the race; its copy is identical.
    rmSync(scratch, { recursive: true, force: true });
  }
  return entry;
}
