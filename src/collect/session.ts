import { appendFileSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../errors.js';
import type {
  ArtifactRecord,
  Collector,
  CollectorContext,
  CollectorName,
  CollectorResult,
  LaunchSpec,
} from './collector.js';
import { forAttach } from './collectors/node-attach-collector.js';
import {
  type CollectorEntry,
  describeEnvironment,
  type EnvironmentSummary,
  type ExitSummary,
  MANIFEST_SCHEMA,
  type MultiRunManifest,
  type RunManifest,
  writeManifest,
} from './manifest.js';
import { mergeArtifacts } from './merge-artifacts.js';
import { isSameProcessAlive, ProcessTree, readProcStat } from './process-tree.js';
import { type RunOutcome, resolveCommand, startTarget } from './runner.js';

/** AUTOPROF_VERSION is recorded in every manifest. */
export const AUTOPROF_VERSION = '0.1.0';

/** SessionOptions is one `autoprof run` after argument parsing. */
export interface SessionOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  outDir: string;
  runs: number;
  timeoutMs?: number;
  graceMs?: number;
  captureBytes?: number;
  collectors: Collector[];
  /** fallback offers a replacement for a collector unavailable here (python -> cprofile). */
  fallback?: (name: CollectorName) => Collector | undefined;
  /** attachPid profiles a running process for durationMs instead of launching argv. */
  attachPid?: number;
  durationMs?: number;
  /** progress receives a status line about once a second (the CLI passes it only on a TTY). */
  progress?: (line: string) => void;
}

/** SessionResult is what the CLI needs after the run. */
export interface SessionResult {
  /** status is the target's shell status (of the first failing run with --runs). */
  status: number;
  manifestPath: string;
  runs: RunManifest[];
}

interface Active {
  collector: Collector;
  entry: CollectorEntry;
}

/**
 * selectAvailable checks each collector here, swapping in a fallback where one is offered,
 * and returns those that can run plus manifest entries for those that cannot.
 */
export async function selectAvailable(
  collectors: Collector[],
  fallback: SessionOptions['fallback'],
): Promise<{ usable: Active[]; unusable: CollectorEntry[] }> {
  const usable: Active[] = [];
  const unusable: CollectorEntry[] = [];
  for (const c of collectors) {
    const a = await safeAvailability(c);
    if (a.available) {
      usable.push({ collector: c, entry: { name: c.name, status: 'ok', warnings: [] } });
      continue;
    }
    const alt = fallback?.(c.name);
    const altAvailability = alt ? await safeAvailability(alt) : undefined;
    if (alt && altAvailability?.available && !collectors.some((x) => x.name === alt.name)) {
      const note = `used instead of ${c.name}: ${a.reason ?? 'unavailable'}`;
      usable.push({ collector: alt, entry: { name: alt.name, status: 'ok', warnings: [note] } });
    }
    unusable.push({ name: c.name, status: 'unavailable', warnings: [], reason: a.reason ?? 'unavailable' });
  }
  return { usable, unusable };
}

async function safeAvailability(c: Collector) {
  try {
    return await c.availability();
  } catch (err) {
    return { available: false, reason: `availability check failed: ${(err as Error).message}` };
  }
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * runSession runs the target `runs` times (or attaches to a pid), drives every collector
 * through prepare/start/stop, writes manifests, artifacts and the merged profile, and never
 * lets one collector's failure stop the others or the target.
 */
export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const environment = describeEnvironment();
  const startedAt = new Date().toISOString();
  const manifests: RunManifest[] = [];
  const multi = options.runs > 1;
  for (let i = 1; i <= options.runs; i++) {
    const runDir = multi ? join(options.outDir, 'runs', String(i)) : options.outDir;
    const manifest =
      options.attachPid !== undefined
        ? await attachOnce(options, runDir, i, environment)
        : await runOnce(options, runDir, i, environment);
    manifests.push(manifest);
    // An interrupted run ends the series: the user asked autoprof to stop.
    if (manifest.exit.interruptedBy || manifest.exit.error) break;
  }
  const failing = manifests.find((m) => m.exit.status !== 0);
  const status = (failing ?? manifests[manifests.length - 1]).exit.status;
  if (!multi) return { status, manifestPath: join(options.outDir, 'manifest.json'), runs: manifests };

  const all = manifests.flatMap((m) =>
    m.artifacts.map((a) => ({ ...a, path: join('runs', String(m.runIndex), a.path) })),
  );
  const commOf = commLookup(manifests);
  const merged = safeMerge(options.outDir, all, commOf);
  const top: MultiRunManifest = {
    schema: MANIFEST_SCHEMA,
    autoprofVersion: AUTOPROF_VERSION,
    target: manifests[0].target,
    environment,
    startedAt,
    endedAt: new Date().toISOString(),
    runs: manifests.map((m) => ({
      index: m.runIndex,
      dir: join('runs', String(m.runIndex)),
      status: m.exit.status,
      wallMs: m.wallMs,
    })),
    exit: (failing ?? manifests[manifests.length - 1]).exit,
    ...(merged.path ? { mergedProfile: relative(options.outDir, merged.path) } : {}),
  };
  return { status, manifestPath: writeManifest(options.outDir, top), runs: manifests };
}

function commLookup(manifests: RunManifest[]): (pid: number) => string | undefined {
  const map = new Map<number, string>();
  for (const m of manifests) for (const p of m.processes) map.set(p.pid, p.comm);
  return (pid) => map.get(pid);
}

function safeMerge(dir: string, artifacts: ArtifactRecord[], commOf: (pid: number) => string | undefined) {
  try {
    return mergeArtifacts(dir, artifacts, dir, commOf);
  } catch (err) {
    return { path: undefined, imported: [], warnings: [`merge failed: ${errorLine(err)}`] };
  }
}

function makeContext(runDir: string, runIndex: number): CollectorContext {
  const artifactsDir = join(runDir, 'artifacts');
  mkdirSync(artifactsDir, { recursive: true });
  const logPath = join(runDir, 'autoprof.log');
  return {
    artifactsDir,
    runDir,
    runIndex,
    log: (message) => {
      try {
        appendFileSync(logPath, `${new Date().toISOString()} ${message}\n`);
      } catch {
        // Logging must never end a run.
      }
    },
  };
}

async function stopAll(active: Active[], ctx: CollectorContext): Promise<ArtifactRecord[]> {
  const artifacts: ArtifactRecord[] = [];
  for (const a of active) {
    if (a.entry.status === 'failed') continue;
    let result: CollectorResult;
    try {
      result = await a.collector.stop(ctx);
    } catch (err) {
      a.entry.status = 'failed';
      a.entry.reason = `stop failed: ${errorLine(err)}`;
      ctx.log(`${a.collector.name}: ${a.entry.reason}`);
      continue;
    }
    a.entry.status = result.status;
    a.entry.warnings.push(...result.warnings);
    artifacts.push(...result.artifacts);
  }
  return artifacts;
}

/** recordCosts copies what each collector says it cost into its manifest entry. */
function recordCosts(active: Active[]): void {
  for (const a of active) {
    try {
      const cost = a.collector.cost?.();
      if (cost) a.entry.cost = cost;
    } catch {
      // A cost that cannot be read is left out, never a failed run.
    }
  }
}

async function runOnce(
  options: SessionOptions,
  runDir: string,
  runIndex: number,
  environment: EnvironmentSummary,
): Promise<RunManifest> {
  const ctx = makeContext(runDir, runIndex);
  const { usable, unusable } = await selectAvailable(options.collectors, options.fallback);
  const resolved = resolveCommand(options.argv[0] ?? '', options.env.PATH, options.cwd);
  if (!resolved.ok) {
    const now = new Date().toISOString();
    return finishManifest(runDir, ctx, environment, {
      target: { argv: options.argv, cwd: options.cwd },
      startedAt: now,
      endedAt: now,
      outcome: undefined,
      exit: { status: resolved.exitCode, code: null, signal: null, timedOut: false, error: resolved.message },
      entries: [
        ...usable.map((a) => ({
          ...a.entry,
          status: 'skipped' as const,
          reason: 'the target did not start',
        })),
        ...unusable,
      ],
      artifacts: [],
    });
  }

  let launch: LaunchSpec = { argv: options.argv, cwd: options.cwd, env: { ...options.env } };
  for (const a of usable) {
    if (!a.collector.prepare) continue;
    try {
      launch = await a.collector.prepare(launch, ctx);
    } catch (err) {
      a.entry.status = 'failed';
      a.entry.reason = `prepare failed: ${errorLine(err)}`;
      ctx.log(`${a.collector.name}: ${a.entry.reason}`);
    }
  }

  // The target waits just before its exec while collectors attach, so none of their start-up
  // lands in its wall time and every sample they take is of the target itself.
  const target = startTarget({
    ...launch,
    stdoutPath: join(ctx.artifactsDir, 'stdout.log'),
    stderrPath: join(ctx.artifactsDir, 'stderr.log'),
    timeoutMs: options.timeoutMs,
    graceMs: options.graceMs,
    captureBytes: options.captureBytes,
    gate: true,
  });
  if (!(await target.held))
    ctx.log('runner: the target could not be held before its exec; collectors attach late');
  for (const a of usable) {
    if (a.entry.status === 'failed' || !a.collector.start) continue;
    try {
      await a.collector.start(target.pid, ctx);
    } catch (err) {
      a.entry.status = 'failed';
      a.entry.reason = `start failed: ${errorLine(err)}`;
      ctx.log(`${a.collector.name}: ${a.entry.reason}`);
    }
  }
  target.release();
  const progress = startProgress(options.progress, target.tree, usable);
  const outcome = await target.done;
  progress.stop();
  const artifacts = [...outputArtifacts(ctx, outcome), ...(await stopAll(usable, ctx))];
  recordCosts(usable);
  return finishManifest(runDir, ctx, environment, {
    target: { argv: options.argv, cwd: options.cwd, resolvedPath: resolved.path },
    startedAt: outcome.startedAt,
    endedAt: outcome.endedAt,
    outcome,
    exit: {
      status: outcome.status,
      code: outcome.exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      ...(outcome.interruptedBy ? { interruptedBy: outcome.interruptedBy } : {}),
      ...(outcome.spawnError ? { error: outcome.spawnError } : {}),
    },
    entries: [...usable.map((a) => a.entry), ...unusable],
    artifacts,
  });
}

function outputArtifacts(ctx: CollectorContext, outcome: RunOutcome): ArtifactRecord[] {
  return (['stdout', 'stderr'] as const).map((kind) => {
    const path = join(ctx.artifactsDir, `${kind}.log`);
    const c = outcome[kind];
    return {
      path: relative(ctx.runDir, path),
      kind,
      collector: 'runner' as const,
      pid: outcome.pid,
      bytes: statSync(path).size,
      description:
        c.droppedBytes > 0
          ? `target ${kind}: ${c.totalBytes} bytes written, ${c.droppedBytes} dropped from the middle`
          : `target ${kind}: ${c.totalBytes} bytes`,
    };
  });
}

interface ManifestParts {
  target: RunManifest['target'];
  startedAt: string;
  endedAt: string;
  outcome: RunOutcome | undefined;
  exit: ExitSummary;
  entries: CollectorEntry[];
  artifacts: ArtifactRecord[];
  rootPid?: number;
  processes?: RunManifest['processes'];
  wallMs?: number;
}

function finishManifest(
  runDir: string,
  ctx: CollectorContext,
  environment: EnvironmentSummary,
  parts: ManifestParts,
): RunManifest {
  const o = parts.outcome;
  const processes = parts.processes ?? o?.processes ?? [];
  const commOf = (pid: number) => processes.find((p) => p.pid === pid)?.comm;
  const merged = safeMerge(runDir, parts.artifacts, commOf);
  for (const w of merged.warnings) ctx.log(`merge: ${w}`);
  const manifest: RunManifest = {
    schema: MANIFEST_SCHEMA,
    autoprofVersion: AUTOPROF_VERSION,
    runIndex: ctx.runIndex,
    target: parts.target,
    environment,
    startedAt: parts.startedAt,
    endedAt: parts.endedAt,
    wallMs: parts.wallMs ?? o?.wallMs ?? 0,
    ...(o?.cpuMs ? { targetCpu: { userS: o.cpuMs.user / 1000, systemS: o.cpuMs.system / 1000 } } : {}),
    exit: parts.exit,
    rootPid: parts.rootPid ?? o?.pid ?? 0,
    processes,
    leftoverPids: o?.leftovers ?? [],
    survivorPids: o?.survivors ?? [],
    output: {
      stdout: {
        path: 'artifacts/stdout.log',
        totalBytes: o?.stdout.totalBytes ?? 0,
        droppedBytes: o?.stdout.droppedBytes ?? 0,
      },
      stderr: {
        path: 'artifacts/stderr.log',
        totalBytes: o?.stderr.totalBytes ?? 0,
        droppedBytes: o?.stderr.droppedBytes ?? 0,
      },
    },
    collectors: parts.entries,
    artifacts: parts.artifacts,
    ...(merged.path ? { mergedProfile: relative(runDir, merged.path) } : {}),
  };
  writeManifest(runDir, manifest);
  return manifest;
}

function startProgress(report: SessionOptions['progress'], tree: ProcessTree, active: Active[]) {
  if (!report) return { stop: () => {} };
  const t0 = Date.now();
  const sampler = active.find((a) => 'samplesSoFar' in a.collector)?.collector as
    | (Collector & { samplesSoFar(): number })
    | undefined;
  const timer = setInterval(() => {
    const elapsed = ((Date.now() - t0) / 1000).toFixed(1);
    const procs = tree.alive().length;
    const samples = sampler ? `, ${sampler.samplesSoFar()} system samples` : '';
    report(`autoprof: ${elapsed}s elapsed, ${procs} process${procs === 1 ? '' : 'es'}${samples}`);
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

/**
 * attachOnce profiles a process autoprof did not start, for durationMs or until it exits or
 * autoprof is interrupted. Collectors that work by rewriting the launch (node's preload) cannot
 * attach and are recorded as skipped, except node, which attaches through the inspector: a Node
 * target gets one SIGUSR1 to open it, and it is closed again before autoprof detaches.
 */
async function attachOnce(
  options: SessionOptions,
  runDir: string,
  runIndex: number,
  environment: EnvironmentSummary,
): Promise<RunManifest> {
  const pid = options.attachPid!;
  const first = readProcStat(pid);
  if (!first) throw new UsageError(`run: no process with pid ${pid}`);
  const ctx = makeContext(runDir, runIndex);
  const { usable, unusable } = await selectAvailable(options.collectors.map(forAttach), options.fallback);
  const startedAt = new Date();
  const tree = new ProcessTree(pid);
  tree.poll();
  // Signal handlers go in before any collector starts: attaching can take a second (node's
  // inspector), and an interrupt then must still stop the collectors, which close what they
  // opened inside the target.
  let interruptedBy: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    interruptedBy = s;
    wake?.();
  };
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  let progress: ReturnType<typeof startProgress> | undefined;
  try {
    for (const a of usable) {
      if (interruptedBy) break;
      if (!a.collector.start) {
        a.entry.status = 'skipped';
        a.entry.reason = 'works by preparing the launch; cannot attach to a running process';
        continue;
      }
      try {
        await a.collector.start(pid, ctx);
      } catch (err) {
        a.entry.status = 'failed';
        a.entry.reason = `start failed: ${errorLine(err)}`;
      }
    }
    progress = startProgress(options.progress, tree, usable);
    if (!interruptedBy) {
      await new Promise<void>((resolveWait) => {
        const end = () => {
          clearInterval(poll);
          clearTimeout(timer);
          resolveWait();
        };
        wake = end;
        const poll = setInterval(() => {
          tree.poll();
          if (!isSameProcessAlive(pid, first.startTicks)) end();
        }, 100);
        const timer = setTimeout(end, options.durationMs ?? 10_000);
      });
    }
  } finally {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
  }
  progress?.stop();
  const active = usable.filter((a) => a.entry.status !== 'skipped');
  const artifacts = await stopAll(active, ctx);
  recordCosts(active);
  const endedAt = new Date();
  return finishManifest(runDir, ctx, environment, {
    target: { argv: tree.all()[0]?.argv ?? [], cwd: cwdOf(pid), attachedPid: pid },
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    outcome: undefined,
    exit: {
      status: 0,
      code: null,
      signal: null,
      timedOut: false,
      ...(interruptedBy ? { interruptedBy } : {}),
    },
    entries: [...usable.map((a) => a.entry), ...unusable],
    artifacts,
    rootPid: pid,
    processes: tree.all(),
    wallMs: endedAt.getTime() - startedAt.getTime(),
  });
}
