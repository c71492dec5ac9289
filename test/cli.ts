import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
// Resolved here, not from the child's cwd: a test may run the CLI inside a folder of its own.
const tsx = import.meta.resolve('tsx');

/** CliResult is what a spawned `autoprof` printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * runCli spawns the real CLI (from source, through tsx) as a separate process, as a user would
 * run it, and collects its output. It is killed after `timeoutMs` so a hang fails the test.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, entry, ...args], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => {
      stdout += c;
    });
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    if (options.input !== undefined && child.stdin) child.stdin.end(options.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
