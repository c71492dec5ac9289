import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ArtifactKind,
  ArtifactRecord,
  Collector,
  CollectorContext,
  CollectorResult,
  LaunchSpec,
} from '../collector.js';

/** NODE_OUT_ENV carries the artifacts folder to the preload in every node process of the tree. */
export const NODE_OUT_ENV = 'AUTOPROF_NODE_OUT';

/**
 * nodePreloadPath finds the CommonJS preload next to this module: `node-preload.cjs` in the
 * built package (tsc turns the .cts into .cjs). When running from source (tsx), the target's
 * plain `node` cannot load TypeScript, so the .cts is transpiled once into the temp folder.
 */
export async function nodePreloadPath(): Promise<string> {
  const built = fileURLToPath(new URL('../node-preload.cjs', import.meta.url));
  if (existsSync(built)) return built;
  const sourcePath = fileURLToPath(new URL('../node-preload.cts', import.meta.url));
  const source = readFileSync(sourcePath, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const target = join(tmpdir(), `autoprof-node-preload-${hash}.cjs`);
  if (existsSync(target)) return target;
  const ts = await import('typescript');
  const out = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: sourcePath,
  });
  writeFileSync(target, out.outputText);
  return target;
}

/**
 * quoteNodeOption quotes a path for NODE_OPTIONS, which splits on spaces and understands
 * double quotes with backslash escapes.
 */
export function quoteNodeOption(value: string): string {
  if (!/[\s"\\]/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** withNodePreload returns the launch with the preload appended to any NODE_OPTIONS the user set. */
export function withNodePreload(launch: LaunchSpec, preload: string, artifactsDir: string): LaunchSpec {
  const existing = launch.env.NODE_OPTIONS?.trim();
  const require = `--require ${quoteNodeOption(preload)}`;
  return {
    ...launch,
    env: {
      ...launch.env,
      NODE_OPTIONS: existing ? `${existing} ${require}` : require,
      [NODE_OUT_ENV]: artifactsDir,
    },
  };
}

const NODE_FILE = /^node-(\d+)\.(cpuprofile|heapprofile|metrics\.json)$/;
const PRELOAD_LOG = /^node-preload-(\d+)\.log$/;

/** nodeArtifacts lists what the preload wrote into the artifacts folder, as records. */
export function nodeArtifacts(artifactsDir: string, runDir: string): ArtifactRecord[] {
  const records: ArtifactRecord[] = [];
  for (const name of readdirSync(artifactsDir).sort()) {
    const full = join(artifactsDir, name);
    const m = NODE_FILE.exec(name);
    const log = PRELOAD_LOG.exec(name);
    if (!m && !log) continue;
    const base = { path: relative(runDir, full), collector: 'node' as const, bytes: statSync(full).size };
    if (log) {
      records.push({ ...base, kind: 'log', pid: Number(log[1]), description: 'node preload failures' });
      continue;
    }
    const pid = Number(m![1]);
    const kinds: Record<string, [ArtifactKind, ArtifactRecord['format'], string]> = {
      cpuprofile: ['cpu-profile', 'chrome-cpuprofile', 'V8 sampling CPU profile'],
      heapprofile: ['heap-profile', 'v8-heapprofile', 'V8 sampling heap profile'],
      'metrics.json': ['timeseries', undefined, 'GC pauses, event-loop delay, heap and RSS over time'],
    };
    const [kind, format, description] = kinds[m![2]];
    records.push({ ...base, kind, pid, description, ...(format ? { format } : {}) });
  }
  return records;
}

/**
 * nodeCollector profiles every Node.js process of the tree with zero code change, through a
 * `--require` preload in NODE_OPTIONS (inherited by children, shells included).
 */
export const nodeCollector: Collector = {
  name: 'node',
  description: 'V8 CPU and heap sampling profiles, GC pauses and event-loop delay via a NODE_OPTIONS preload',
  async availability() {
    try {
      await nodePreloadPath();
      return { available: true };
    } catch (err) {
      return { available: false, reason: `node preload not found: ${(err as Error).message}` };
    }
  },
  async prepare(launch: LaunchSpec, ctx: CollectorContext) {
    return withNodePreload(launch, await nodePreloadPath(), ctx.artifactsDir);
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const artifacts = nodeArtifacts(ctx.artifactsDir, ctx.runDir);
    const warnings: string[] = [];
    const logs = artifacts.filter((a) => a.kind === 'log');
    for (const l of logs) warnings.push(`preload reported failures in ${l.path}`);
    const cpu = artifacts.filter((a) => a.kind === 'cpu-profile').length;
    if (cpu === 0) {
      warnings.push(
        'no Node.js process wrote a profile: the target may not run node, or was killed by SIGKILL before exit',
      );
      return { status: artifacts.length > 0 ? 'partial' : 'failed', warnings, artifacts };
    }
    return { status: logs.length > 0 ? 'partial' : 'ok', warnings, artifacts };
  },
};
