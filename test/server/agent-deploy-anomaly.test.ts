/**
 * The deploy story end to end with the real Node agent: a small service runs under
 * `node -r autoprof/agent` as version 1.0.0, is replaced by version 1.1.0 whose new function
 * takes about half of the CPU (a deploy: new process, new `version` label, no deploy event
 * posted), both pushing to a fresh `autoprof server` process; then one detection pass must name
 * the new function and blame the new version. Detection windows are shortened through the
 * server's own config file (one-minute baseline and window, no lag) so the test needs seconds of
 * profiles, not hours.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeAgentPath } from '../../src/agent/agent-path.js';

const ENTRY = fileURLToPath(new URL('./fixtures/server-entry.ts', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/deploy-app.cjs', import.meta.url));
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const SERVICE = 'orders-worker';
const RUN_MS = 8000;
const root = mkdtempSync(join(tmpdir(), 'autoprof-agent-deploy-'));
let agent = '';

before(async () => {
  agent = await nodeAgentPath();
});
after(() => rmSync(root, { recursive: true, force: true }));

/** startServer spawns `autoprof server --config` as its own process; resolves once it listens. */
function startServer(config: unknown): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const configFile = join(root, 'server.yaml');
  // JSON is YAML: the config file is written as the server reads any config file.
  writeFileSync(configFile, JSON.stringify(config));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        ENTRY,
        '--data',
        join(root, 'data'),
        '--listen',
        '127.0.0.1:0',
        '--config',
        configFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) {
        resolve({
          child,
          url: m[1],
          stop: async () => {
            if (child.exitCode !== null) return;
            child.kill('SIGTERM');
            await new Promise((r) => child.once('exit', r));
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

/** runVersion runs the service as one version under the agent, pushing every second. */
function runVersion(
  url: string,
  version: string,
  appVersion: '1' | '2',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', agent, APP], {
      env: {
        PATH: process.env.PATH ?? '',
        AUTOPROF_SERVER_URL: url,
        AUTOPROF_APP_NAME: SERVICE,
        AUTOPROF_TAGS: `version=${version},env=test`,
        AUTOPROF_PROFILES: 'cpu',
        AUTOPROF_UPLOAD_INTERVAL_MS: '1000',
        AUTOPROF_AGENT_DEBUG: '1',
        APP_VERSION: appVersion,
        RUN_MS: String(RUN_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface StoredAnomaly {
  service: string;
  profile_type: string;
  version: string;
  kind: string;
  function: { name: string; baseline_pct: number; current_pct: number } | null;
  baseline: { source: string };
  deploy: { version: string; source: string } | null;
  enrichment: { function?: string; version?: string } & Record<string, unknown>;
}

test('a deploy that adds a hot function, pushed by the real agent, ends in an anomaly naming it', async () => {
  const server = await startServer({
    anomaly: {
      // The timer stays off: the test runs the pass itself, once both versions have pushed.
      enabled: false,
      lagSeconds: 0,
      // A baseline of a minute or two has no variance to learn from (its JIT warm-up alone moves
      // a step's share by ~7 points between minutes), so the deviation floor and the minimum rise
      // stand in for it: a move must be 15 points, which a new function at ~half the CPU is.
      thresholds: { windowMinutes: 1, minBaselineMinutes: 1, sigmaFloor: 0.03, minDeltaShare: 0.15 },
    },
  });
  try {
    const started = Date.now();
    const v1 = await runVersion(server.url, '1.0.0', '1');
    assert.equal(v1.code, 0, v1.stderr);
    const v2 = await runVersion(server.url, '1.1.0', '2');
    assert.equal(v2.code, 0, v2.stderr);
    for (const run of [v1, v2]) {
      const counters = JSON.parse(/autoprof agent: (\{.*\})/.exec(run.stderr)?.[1] ?? '{}') as {
        sent?: number;
        errors?: number;
      };
      assert.ok((counters.sent ?? 0) >= 4, `the agent sent too few profiles: ${run.stderr}`);
      assert.equal(counters.errors, 0, run.stderr);
    }
    // Both processes have exited and flushed, so the minute they ended in is final: the pass
    // runs as of that minute's end instead of waiting for the clock to get there.
    const now = Math.floor(Date.now() / 60_000) * 60 + 60;
    const r = await fetch(`${server.url}/api/v1/anomalies/detect?now=${now}`, { method: 'POST' });
    assert.equal(r.status, 200, await r.text());
    const listed = await fetch(`${server.url}/api/v1/anomalies?service=${SERVICE}`);
    const { anomalies } = (await listed.json()) as { anomalies: StoredAnomaly[] };
    const cpu = anomalies.filter((a) => a.profile_type === CPU);
    assert.equal(cpu.length, 1, `one CPU anomaly expected: ${JSON.stringify(anomalies, null, 1)}`);
    const [a] = cpu;
    process.stdout.write(
      `# anomaly: ${a.function?.name} ${a.function?.baseline_pct}% -> ${a.function?.current_pct}% in ${a.version} (deploy ${a.deploy?.version} from ${a.deploy?.source}), ${((Date.now() - started) / 1000).toFixed(1)} s after the first start\n`,
    );
    assert.equal(a.kind, 'function-share');
    assert.equal(a.function?.name, 'scoreFraudRisk');
    assert.equal(a.function?.baseline_pct, 0, 'version 1.0.0 never ran it');
    // About half of the CPU by construction; wide bounds for a loaded machine and agent overhead.
    assert.ok(
      a.function.current_pct >= 25 && a.function.current_pct <= 80,
      `scoreFraudRisk at ${a.function.current_pct}%`,
    );
    assert.equal(a.version, '1.1.0');
    assert.equal(a.baseline.source, 'before-deploy', 'judged against the previous version');
    assert.equal(a.deploy?.version, '1.1.0');
    assert.equal(a.deploy?.source, 'label', 'the deploy is inferred from the version label');
    assert.match(JSON.stringify(a.enrichment), /scoreFraudRisk/);
    // The fleet triage shows the same anomaly on the service's row.
    const triage = (await (await fetch(`${server.url}/api/v1/triage?from=now-15m`)).json()) as {
      services: Array<{ service: string; anomalies: Array<{ function: string | null; version: string }> }>;
    };
    const row = triage.services.find((s) => s.service === SERVICE);
    // (The agent's CPU profile carries two sample types, samples and nanoseconds: one each.)
    const named = new Set(row?.anomalies.map((x) => `${x.function}@${x.version}`));
    assert.deepEqual([...named], ['scoreFraudRisk@1.1.0']);
  } finally {
    await server.stop();
  }
});
