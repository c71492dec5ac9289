/**
 * jfr-startup-cost: where Java Flight Recorder's overhead goes on a CPU-bound JVM target, so a
 * cut can be measured instead of guessed (issue 14: the JVM row of run-overhead is ~3.4x).
 *
 * Each variant runs CpuBound twice per round: a startup-only run (1000 iterations, so almost all
 * CPU is the JVM's and JFR's start-up and exit) and a full run (~1 s of arithmetic). Variants:
 * bare; the JDK's `profile` settings (what the jvm collector uses); a minimal .jfc with only the
 * events autoprof's diagnosis reads, at the same rates; and an empty .jfc (no event enabled: the
 * cost of starting JFR itself). CPU is the child's user+sys as the shell's `times` reports it.
 * Variants alternate within each round; medians of --runs rounds are printed.
 *
 * Measured on JDK 17.0.15 at load ~9-11 (7 rounds): starting JFR with no event costs +1.45 s CPU;
 * profile and minimal settings cost the same (+1.64 s startup-only, +2.49/+2.46 s on the full run),
 * so the event set is not the lever; by hand, ExecutionSample alone costs ~+0.8 s over an empty
 * .jfc on the full run, dumponexit ~0.4 s. A CDS archive of JFR's classes (590 -> 120 classes
 * loaded outside CDS), retransform=false, and excluding ASM/jdk.jfr from the JIT did not lower CPU:
 * perf shows about half of it in the C1/C2 compiler threads and the rest JFR's Java code itself.
 *
 * Run it under the timing lock: flock /tmp/autoprof-timing.lock node --import tsx bench/jfr-startup-cost.ts [--runs 5]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const runsFlag = process.argv.indexOf('--runs');
const runs = Math.max(3, Number(runsFlag > 0 ? process.argv[runsFlag + 1] : 5) || 5);
const work = mkdtempSync(join(tmpdir(), 'autoprof-jfr-cost-'));

/** The events src/formats/jfr reads, at the `profile` rates the collector uses today. */
const MINIMAL_JFC = `<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="autoprof-minimal" description="events autoprof reads" provider="autoprof">
  <event name="jdk.ExecutionSample"><setting name="enabled">true</setting><setting name="period">10 ms</setting></event>
  <event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting><setting name="throttle">300/s</setting><setting name="stackTrace">true</setting></event>
  <event name="jdk.JavaMonitorEnter"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">10 ms</setting></event>
  <event name="jdk.ThreadPark"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">10 ms</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
`;
const EMPTY_JFC = `<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="empty" description="no events" provider="autoprof"></configuration>
`;

interface Sample {
  wallMs: number;
  cpuS: number;
}

/** parseTimes reads the children's line of POSIX `times` ("0m1.020s 0m0.040s"). */
function parseTimes(out: string): number {
  const lines = out.trim().split('\n');
  const secs = [...(lines[lines.length - 1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2]),
  );
  if (secs.length !== 2) throw new Error(`cannot read times output: ${out}`);
  return secs[0] + secs[1];
}

function runTimed(argv: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('sh', ['-c', '"$@" >/dev/null 2>&1 || exit 1; times', 'sh', ...argv], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited with ${code}`));
      else resolve({ wallMs, cpuS: parseTimes(out) });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<void> {
  execFileSync('javac', ['-d', work, here('./targets/CpuBound.java')]);
  const minimal = join(work, 'minimal.jfc');
  const empty = join(work, 'empty.jfc');
  writeFileSync(minimal, MINIMAL_JFC);
  writeFileSync(empty, EMPTY_JFC);
  const out = join(work, 'jfr');
  const jfr = (settings: string) => [
    `-XX:StartFlightRecording=filename=${out},settings=${settings},dumponexit=true`,
    '-Xlog:jfr+startup=off',
  ];
  const variants: Array<{ name: string; options: string[] }> = [
    { name: 'bare', options: [] },
    { name: 'profile', options: jfr('profile') },
    { name: 'minimal', options: jfr(minimal) },
    { name: 'empty', options: jfr(empty) },
  ];
  const sizes = [
    { name: 'startup', args: ['1000'] },
    { name: 'full', args: [] },
  ];
  const samples = new Map<string, Sample[]>();
  console.log(`${runs} rounds, variants interleaved; load ${loadavg()}`);
  for (let i = 0; i < runs; i++) {
    for (const size of sizes) {
      for (const v of variants) {
        rmSync(out, { recursive: true, force: true });
        const s = await runTimed(['java', ...v.options, '-cp', work, 'CpuBound', ...size.args]);
        const key = `${size.name}/${v.name}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
      }
    }
  }
  for (const size of sizes) {
    const bare = samples.get(`${size.name}/bare`) ?? [];
    const bareCpu = median(bare.map((s) => s.cpuS));
    const bareWall = median(bare.map((s) => s.wallMs));
    for (const v of variants) {
      const s = samples.get(`${size.name}/${v.name}`) ?? [];
      const cpu = median(s.map((x) => x.cpuS));
      const wall = median(s.map((x) => x.wallMs));
      console.log(
        `${size.name.padEnd(7)} ${v.name.padEnd(7)} wall ${wall.toFixed(0)} ms (x${(wall / bareWall).toFixed(2)}), CPU ${cpu.toFixed(2)} s (+${(cpu - bareCpu).toFixed(2)} s)`,
      );
    }
  }
  console.log(`load after: ${loadavg()}`);
  rmSync(work, { recursive: true, force: true });
}

await main();
