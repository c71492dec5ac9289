import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ArtifactRecord, Collector, CollectorContext, CollectorResult } from '../collector.js';
import { listPids, readProcStat, treeMembers } from '../process-tree.js';
import { resolveCommand } from '../runner.js';

/** EBPF_FILES name the raw bpftrace output and the two folded profiles made from it. */
export const EBPF_FILES = {
  raw: 'ebpf.bpftrace.txt',
  onCpu: 'ebpf-oncpu.folded',
  offCpu: 'ebpf-offcpu.folded',
} as const;

const READY = 'autoprof-ready';
const ATTACH_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 20_000;

/**
 * bpftraceProgram samples the tree on-CPU at 99 Hz (user + kernel stacks) and measures off-CPU
 * time: a thread of the tree switched out while not runnable (prev_state != 0: it blocked, as
 * opposed to being preempted) is timed until it is switched back in, and the time (us) is
 * charged to the stacks it blocked in. Membership follows fork from the pids known at attach.
 * Maps are printed and cleared every second because bpftrace resolves user symbols when it
 * prints, which needs the process still alive; the parser adds the intervals up.
 */
export function bpftraceProgram(pids: readonly number[]): string {
  const roots = pids.map((p) => `@tree[${p}] = 1;`).join(' ');
  return `
BEGIN { ${roots} printf("${READY}\\n"); }
tracepoint:sched:sched_process_fork /@tree[pid]/ { @tree[args->child_pid] = 1; }
profile:hz:99 /@tree[pid]/ { @cpu[comm, pid, ustack, kstack] = count(); }
tracepoint:sched:sched_switch /@tree[pid] && args->prev_state != 0/ {
  @off_start[tid] = nsecs; @off_u[tid] = ustack; @off_k[tid] = kstack;
}
tracepoint:sched:sched_switch /@off_start[args->next_pid]/ {
  @off[args->next_comm, args->next_pid, @off_u[args->next_pid], @off_k[args->next_pid]] =
    sum((nsecs - @off_start[args->next_pid]) / 1000);
  delete(@off_start[args->next_pid]); delete(@off_u[args->next_pid]); delete(@off_k[args->next_pid]);
}
interval:s:1 { print(@cpu); clear(@cpu); print(@off); clear(@off); }
END {
  print(@cpu); clear(@cpu); print(@off); clear(@off);
  clear(@tree); clear(@off_start); clear(@off_u); clear(@off_k);
}
`;
}

/** FoldedStacks maps `frame;frame;...` (root first) to a summed value. */
export type FoldedStacks = Map<string, number>;

function frameName(line: string): string {
  // `hot_c_loop+44` -> `hot_c_loop`; unresolved `0x55c4e156c18e` stays an address.
  return line.trim().replace(/\+\d+$/, '');
}

/**
 * parseBpftraceMaps reads bpftrace's text dump of `@name[comm, pid, ustack, kstack]: N` entries
 * into folded stacks per map: `comm;user frames root..leaf;kernel frames_[k] root..leaf`.
 * The `_[k]` suffix marks kernel frames as FlameGraph's stackcollapse scripts do.
 */
export function parseBpftraceMaps(text: string): Map<string, FoldedStacks> {
  const maps = new Map<string, FoldedStacks>();
  // An empty user stack prints as nothing, so its ", " lands on the first line: `(, )?`.
  const entry = /^@(\w+)\[(.*?), (\d+), (, )?\n([\s\S]*?)\]: (\d+)$/gm;
  for (const m of text.matchAll(entry)) {
    const [, name, comm, , kernelOnly, body, value] = m;
    const stacks = kernelOnly ? `,\n${body}` : body;
    const separator = stacks.search(/^\s*,/m);
    const userPart = separator >= 0 ? stacks.slice(0, separator) : stacks;
    const kernelPart = separator >= 0 ? stacks.slice(separator).replace(/^\s*,/, '') : '';
    const frames = (part: string) =>
      part
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && l !== ',')
        .map(frameName)
        .reverse();
    const user = frames(userPart);
    const kernel = frames(kernelPart).map((f) => `${f}_[k]`);
    const key = [comm.replace(/;/g, ':'), ...user, ...kernel].join(';');
    const folded = maps.get(name) ?? new Map<string, number>();
    maps.set(name, folded);
    folded.set(key, (folded.get(key) ?? 0) + Number(value));
  }
  return maps;
}

/** formatFolded writes stacks as `stack value` lines, biggest first. */
export function formatFolded(stacks: FoldedStacks): string {
  return [...stacks.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([stack, value]) => `${stack} ${value}\n`)
    .join('');
}

function bpftraceBinary(): string | undefined {
  const found = resolveCommand('bpftrace', process.env.PATH, process.cwd());
  return found.ok ? found.path : undefined;
}

/**
 * ebpfAvailability runs a trivial program and checks the sched tracepoints: bpftrace can load
 * BPF yet find no tracepoints when tracefs is not mounted (then: mount -t tracefs nodev
 * /sys/kernel/tracing).
 */
export function ebpfAvailability(binary = bpftraceBinary()): { available: boolean; reason?: string } {
  if (!binary) return { available: false, reason: 'bpftrace not on PATH (Debian: apt-get install bpftrace)' };
  if (process.getuid?.() !== 0)
    return { available: false, reason: 'bpftrace needs root (CAP_BPF and CAP_PERFMON)' };
  const probe = spawnSync(binary, ['-e', 'tracepoint:sched:sched_switch { exit(); }'], {
    timeout: 30_000,
    encoding: 'utf8',
  });
  if (probe.status === 0) return { available: true };
  const errors = (probe.stderr || probe.error?.message || '')
    .split('\n')
    .filter((l) => l.includes('ERROR') && !l.includes('RLIMIT_MEMLOCK'));
  return {
    available: false,
    reason: `bpftrace cannot run here: ${errors[0]?.trim() ?? `exit ${probe.status}`}`,
  };
}

interface Tracer {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: string[];
}

function attach(binary: string, pids: number[], rawFile: string): Promise<Tracer> {
  const child = spawn(binary, ['-e', bpftraceProgram(pids)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(rawFile);
  const stderr: string[] = [];
  const exited = new Promise<number | null>((done) => {
    child.on('close', (code) => out.end(() => done(code)));
    child.on('error', () => out.end(() => done(null)));
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 50) stderr.push(d.toString());
  });
  return new Promise((ready) => {
    let seen = '';
    const timer = setTimeout(() => ready({ child, exited, stderr }), ATTACH_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      out.write(d);
      if (seen.length < 4096) {
        seen += d.toString();
        if (seen.includes(READY)) {
          clearTimeout(timer);
          ready({ child, exited, stderr });
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      ready({ child, exited, stderr });
    });
  });
}

function record(
  ctx: CollectorContext,
  file: string,
  kind: ArtifactRecord['kind'],
  description: string,
): ArtifactRecord {
  const full = join(ctx.artifactsDir, file);
  return {
    path: relative(ctx.runDir, full),
    kind,
    collector: 'ebpf',
    ...(kind === 'log' ? {} : { format: 'collapsed' as const }),
    description,
    bytes: statSync(full).size,
  };
}

const tracers = new Map<string, Tracer>();

/**
 * ebpfCollector traces the tree with bpftrace: on-CPU stacks (user + kernel) at 99 Hz and
 * off-CPU (blocked) time by stack, written as folded text. It attaches at start(), after the
 * target was spawned (bpftrace takes about a second to compile and attach, which the target
 * spends unobserved), and follows forks from then on.
 */
export const ebpfCollector: Collector = {
  name: 'ebpf',
  description: 'bpftrace on-CPU (99 Hz) and off-CPU (blocked time) stacks of the tree, user and kernel',
  async availability() {
    return ebpfAvailability();
  },
  async start(rootPid: number, ctx: CollectorContext) {
    const binary = bpftraceBinary();
    if (!binary) return;
    const stats = listPids().flatMap((p) => readProcStat(p) ?? []);
    const pids = [rootPid, ...treeMembers(rootPid, stats).map((s) => s.pid)];
    ctx.log(`ebpf: bpftrace attaching to ${[...new Set(pids)].join(',')}`);
    tracers.set(
      ctx.artifactsDir,
      await attach(binary, [...new Set(pids)], join(ctx.artifactsDir, EBPF_FILES.raw)),
    );
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const tracer = tracers.get(ctx.artifactsDir);
    tracers.delete(ctx.artifactsDir);
    if (!tracer) return { status: 'failed', warnings: ['bpftrace was not started'], artifacts: [] };
    tracer.child.kill('SIGINT');
    const timer = setTimeout(() => tracer.child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    const code = await tracer.exited;
    clearTimeout(timer);
    const warnings = tracer.stderr
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.includes('RLIMIT_MEMLOCK'))
      .slice(0, 5)
      .map((l) => `bpftrace: ${l.trim()}`);
    const raw = readFileSync(join(ctx.artifactsDir, EBPF_FILES.raw), 'utf8');
    const maps = parseBpftraceMaps(raw);
    writeFileSync(join(ctx.artifactsDir, EBPF_FILES.onCpu), formatFolded(maps.get('cpu') ?? new Map()));
    writeFileSync(join(ctx.artifactsDir, EBPF_FILES.offCpu), formatFolded(maps.get('off') ?? new Map()));
    const artifacts = [
      record(
        ctx,
        EBPF_FILES.onCpu,
        'cpu-profile',
        'on-CPU stacks (bpftrace profile:hz:99), values are samples',
      ),
      record(
        ctx,
        EBPF_FILES.offCpu,
        'off-cpu-profile',
        'off-CPU stacks (sched_switch), values are microseconds blocked',
      ),
      record(ctx, EBPF_FILES.raw, 'log', 'raw bpftrace map dumps, one per second'),
    ];
    if (raw.includes(READY) === false) warnings.push('bpftrace never attached');
    if (/\b0x[0-9a-f]{8,}\b/.test(raw)) {
      warnings.push('some user frames are raw addresses: the process exited before bpftrace printed them');
    }
    const ok = raw.includes(READY) && (maps.get('cpu')?.size ?? 0) > 0;
    if (code !== 0 && code !== null) warnings.push(`bpftrace exited with ${code}`);
    return { status: ok ? 'ok' : 'partial', warnings, artifacts };
  },
};
