import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Shared by the diagnosis and real-world fixture suites: compiling a C or Java program, filling
 * argv placeholders, and running the real `autoprof run` on it from source, as a user would.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const cliEntry = join(repo, 'test/cli-entry.ts');

/** RUN_TIMEOUT_MS bounds one `autoprof run` of a fixture (the target itself gets --timeout 60). */
const RUN_TIMEOUT_MS = 90_000;

/**
 * compileProgram builds a C (gcc, frame pointers, debug info) or Java (javac -g) fixture into
 * `work`; it returns the argv placeholders it adds, or a skip reason when the build fails.
 */
export function compileProgram(
  runtime: string,
  id: string,
  source: string,
  work: string,
): { vars: Record<string, string> } | { skip: string } {
  const vars: Record<string, string> = {};
  try {
    if (runtime === 'c') {
      const bin = join(work, 'bin', id);
      mkdirSync(join(work, 'bin'), { recursive: true });
      execFileSync('gcc', ['-O1', '-g', '-fno-omit-frame-pointer', '-pthread', '-o', bin, source, '-lm'], {
        stdio: 'pipe',
      });
      vars.bin = bin;
    } else if (runtime === 'java') {
      const classes = join(work, 'classes', id);
      mkdirSync(classes, { recursive: true });
      execFileSync('javac', ['-g', '-d', classes, source], { stdio: 'pipe' });
      vars.classes = classes;
    }
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    return { skip: `could not build ${source}: ${stderr.split('\n')[0]}` };
  }
  return { vars };
}

/** substitute fills `{name}` placeholders of a fixture's argv. */
export function substitute(argv: string[], vars: Record<string, string>): string[] {
  return argv.map((a) => a.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m));
}

/** runAutoprof spawns the CLI from source, as a user would run `autoprof run`. */
export function runAutoprof(
  outDir: string,
  target: string[],
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cliEntry, 'run', '--out', outDir, '--timeout', '60', '--', ...target],
      { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}
