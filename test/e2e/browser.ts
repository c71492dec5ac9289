/**
 * Headless Chromium for the report tests: Debian's chromium (scripts/install-chromium.sh)
 * driven by playwright-core, which is never allowed to download a browser of its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/**
 * CHROMIUM_ARGS: without the background-networking, component-update and sync switches Debian's
 * chromium tries to reach Google at start-up and, on machines without network, refuses
 * connections in ways that slow or break the launch.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** findChromium returns the browser binary: $AUTOPROF_CHROMIUM, /usr/bin/chromium, or chromium on PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env.AUTOPROF_CHROMIUM, '/usr/bin/chromium'].filter((p): p is string => !!p);
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * launchChromium starts headless Chromium, or says why it cannot (no binary, no playwright-core,
 * a launch failure) so tests can skip with that reason instead of failing on a bare machine.
 */
export async function launchChromium(): Promise<{ browser: Browser } | { skip: string }> {
  const executablePath = findChromium();
  if (!executablePath) return { skip: 'chromium is not installed (run scripts/install-chromium.sh)' };
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { skip: 'playwright-core is not installed (a devDependency)' };
  }
  try {
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
    return { browser };
  } catch (err) {
    return { skip: `chromium did not start: ${(err as Error).message.split('\n')[0]}` };
  }
}
