import type { Collector, CollectorContext, CollectorResult, LaunchSpec } from '../collector.js';
import {
  listPyArtifacts,
  looksLikePython,
  type PyArtifactType,
  pySamplerAvailability,
  withPythonHook,
} from '../py-sampler/python-hook.js';

/** argvByRun remembers the target per run, to tell "not Python" from "Python that failed". */
const argvByRun = new Map<string, string[]>();

const PSTATS_FILES: readonly PyArtifactType[] = [
  {
    suffix: '.pstats',
    kind: 'call-stats',
    format: 'pstats',
    description: 'cProfile call statistics of the main thread (deterministic; timings include its overhead)',
  },
];

/**
 * cprofileCollector records exact call counts and times with cProfile, as `python -m cProfile
 * -o python-<pid>.pstats` would, but without touching argv: the same sitecustomize hook as the
 * python collector enables a profiler before the main module runs and dumps it at exit (forked
 * workers included). cProfile instruments every call, so the target runs slower, often 1.5-3x
 * for call-heavy code; use it for counts, not for wall-clock shares.
 */
export const cprofileCollector: Collector = {
  name: 'cprofile',
  description: 'Python cProfile call statistics (deterministic, slows the target)',
  availability: pySamplerAvailability,
  async prepare(launch: LaunchSpec, ctx: CollectorContext) {
    argvByRun.set(ctx.artifactsDir, launch.argv);
    return withPythonHook(launch, { AUTOPROF_PY_CPROFILE_DIR: ctx.artifactsDir });
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const argv = argvByRun.get(ctx.artifactsDir) ?? [];
    argvByRun.delete(ctx.artifactsDir);
    const artifacts = listPyArtifacts(ctx.artifactsDir, ctx.runDir, 'cprofile', PSTATS_FILES);
    if (artifacts.length > 0) return { status: 'ok', warnings: [], artifacts };
    const why = looksLikePython(argv)
      ? 'no pstats written: the interpreter ignored PYTHONPATH (-E/-I) or was killed by a signal before exit'
      : 'no Python process ran (the target may not run Python)';
    return { status: looksLikePython(argv) ? 'failed' : 'skipped', warnings: [why], artifacts };
  },
};
