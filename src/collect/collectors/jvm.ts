import { existsSync, mkdtempSync, readdirSync, renameSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type {
  ArtifactRecord,
  Collector,
  CollectorContext,
  CollectorResult,
  LaunchSpec,
} from '../collector.js';
import { resolveCommand } from '../runner.js';

/**
 * JFR_SETTINGS is the JDK's `profile` configuration: execution samples every 10 ms, allocation
 * samples, monitor enter and thread park events over 10 ms, GC and safepoint detail. About 2%
 * overhead per the JDK's own description, against ~1% for `default`.
 */
export const JFR_SETTINGS = 'profile';

/** JFR_NAME is the name the JVM gives a recording written into a folder (JDK 11+). */
const JFR_NAME = /^hotspot-pid-(\d+)-id-\d+-.*\.jfr$/;

/** Java's option parsers split on spaces, and JFR's on commas and '='. */
const UNSAFE_IN_OPTION = /[\s,="']/;

/**
 * jfrFolderFor returns a folder name JFR can take in an option. The recording option cannot
 * quote, so a path with spaces or commas gets a plain-named symlink in the temp folder.
 */
export function jfrFolderFor(artifactsDir: string): string {
  if (!UNSAFE_IN_OPTION.test(artifactsDir)) return artifactsDir;
  const link = join(mkdtempSync(join(tmpdir(), 'autoprof-jfr-')), 'out');
  symlinkSync(artifactsDir, link);
  return link;
}

/**
 * jfrToolOptions is what the collector adds to JAVA_TOOL_OPTIONS. `filename` is a folder, not
 * `jvm-%p.jfr`: JDK 17 writes `%p` literally (checked on 17.0.15), while a folder makes
 * every JVM of the tree write its own `hotspot-pid-<pid>-...jfr`. The startup log is switched
 * off because JFR prints it on the target's stdout.
 */
export function jfrToolOptions(folder: string): string {
  return [
    `-XX:StartFlightRecording=filename=${folder},settings=${JFR_SETTINGS},dumponexit=true`,
    '-Xlog:jfr+startup=off',
  ].join(' ');
}

/** withJfr appends the JFR options to any JAVA_TOOL_OPTIONS the user set. */
export function withJfr(launch: LaunchSpec, folder: string): LaunchSpec {
  const existing = launch.env.JAVA_TOOL_OPTIONS?.trim();
  const ours = jfrToolOptions(folder);
  return { ...launch, env: { ...launch.env, JAVA_TOOL_OPTIONS: existing ? `${existing} ${ours}` : ours } };
}

/** collectJfrFiles renames each JVM's recording to `jvm-<pid>.jfr` and lists them as records. */
export function collectJfrFiles(artifactsDir: string, runDir: string): ArtifactRecord[] {
  const records: ArtifactRecord[] = [];
  for (const name of readdirSync(artifactsDir).sort()) {
    const m = JFR_NAME.exec(name);
    if (!m) continue;
    let target = join(artifactsDir, `jvm-${m[1]}.jfr`);
    for (let i = 2; existsSync(target); i++) target = join(artifactsDir, `jvm-${m[1]}-${i}.jfr`);
    renameSync(join(artifactsDir, name), target);
    records.push({
      path: relative(runDir, target),
      kind: 'cpu-profile',
      collector: 'jvm',
      format: 'jfr',
      pid: Number(m[1]),
      description: `JFR (${JFR_SETTINGS} settings): CPU samples, allocation samples, monitor contention, thread park`,
      bytes: statSync(target).size,
    });
  }
  return records;
}

const argvByRun = new Map<string, string[]>();

/**
 * jvmCollector records every JVM of the tree with Java Flight Recorder, switched on through
 * JAVA_TOOL_OPTIONS (inherited by child JVMs, read by any launcher: java, mvn, gradle). The
 * recording is written when the JVM exits; a JVM killed by SIGKILL leaves none. Every JVM
 * prints "Picked up JAVA_TOOL_OPTIONS: ..." on stderr: that line is the JVM's, not the target's.
 */
export const jvmCollector: Collector = {
  name: 'jvm',
  description: 'Java Flight Recorder (profile settings) for every JVM of the tree via JAVA_TOOL_OPTIONS',
  async availability() {
    const java = resolveCommand('java', process.env.PATH, process.cwd());
    return java.ok ? { available: true } : { available: false, reason: 'java not on PATH' };
  },
  async prepare(launch: LaunchSpec, ctx: CollectorContext) {
    argvByRun.set(ctx.artifactsDir, launch.argv);
    const folder = jfrFolderFor(ctx.artifactsDir);
    ctx.log(`jvm: JFR recordings to ${folder}`);
    return withJfr(launch, folder);
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const argv = argvByRun.get(ctx.artifactsDir) ?? [];
    argvByRun.delete(ctx.artifactsDir);
    const artifacts = collectJfrFiles(ctx.artifactsDir, ctx.runDir);
    if (artifacts.length > 0) return { status: 'ok', warnings: [], artifacts };
    if (basename(argv[0] ?? '') !== 'java') {
      return {
        status: 'skipped',
        warnings: ['no JVM wrote a recording (the target may not run Java)'],
        artifacts,
      };
    }
    return {
      status: 'failed',
      warnings: [
        'no JFR recording: the JVM was killed before exit, failed to start, or lacks JFR (JDK < 11)',
      ],
      artifacts,
    };
  },
};
