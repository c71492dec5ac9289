import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../cli.js';
import { startTestServer, type TestServer } from '../server/harness.js';
import {
  chatCompletion,
  type Received,
  type ScriptedServer,
  startScriptedServer,
} from './scripted-server.js';

/**
 * `autoprof run|analyze|diff --explain` through the real CLI, and the server's findings API with
 * explain=true, against real local providers. The explanation never changes an exit status and
 * the API key never appears in any file a command writes.
 */
const KEY = 'sk-e2e-secret-4b1d9c7a2f6e8d0c';
const TOKEN = 'endpoint-e2e-token-91ab37';
const work = mkdtempSync(join(tmpdir(), 'autoprof-explain-'));
const servers: ScriptedServer[] = [];
const savedEnv = { ...process.env };

// Answers from the facts it was sent: one faithful sentence citing the first evidence value
// exactly as shown, one invented figure and function.
function answerFromFacts(content: string): string {
  const facts = JSON.parse(content.slice(content.indexOf('{'))) as {
    classification?: { kind: string; evidence: Array<{ id: string; name: string; shown_as: string }> };
    changes?: Array<{ function: string; evidence: Array<{ id: string; shown_as: string; name: string }> }>;
  };
  const first = facts.classification?.evidence[0] ?? facts.changes?.[0]?.evidence[1];
  const faithful = first
    ? `The measured ${first.name} is ${first.shown_as} [${first.id}].`
    : 'The evidence is thin, so I am unsure.';
  return JSON.stringify({
    summary: `${faithful} Rewriting it with \`turboEncode\` would make it 73% faster.`,
    recommendations: ['Measure again after any change with autoprof diff.'],
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function assertNoSecret(dir: string): void {
  for (const f of filesUnder(dir)) {
    const text = readFileSync(f).toString('latin1');
    assert.ok(!text.includes(KEY) && !text.includes(TOKEN), `secret in ${f}`);
  }
}

let openai: ScriptedServer;
let failing: ScriptedServer;
let endpoint: ScriptedServer;

before(async () => {
  openai = await startScriptedServer([
    {
      body: (r: Received) =>
        chatCompletion(
          answerFromFacts((r.body as { messages: Array<{ content: string }> }).messages[1].content),
        ),
    },
  ]);
  failing = await startScriptedServer([{ status: 500, body: { error: 'overloaded' } }]);
  endpoint = await startScriptedServer([
    {
      body: (r: Received) => {
        const facts = JSON.stringify(r.body);
        return {
          ...JSON.parse(answerFromFacts(facts)),
          summary: undefined,
          summary_override: JSON.parse(answerFromFacts(facts)).summary,
        };
      },
    },
  ]);
  servers.push(openai, failing, endpoint);
  writeFileSync(
    join(work, 'busy.js'),
    'function spin(ms){const end=Date.now()+ms;let x=0;while(Date.now()<end)x+=Math.sqrt(x+1);return x}\nspin(700);\nprocess.exit(3);\n',
  );
  writeFileSync(join(work, 'base.folded'), 'main;handle;parse 50\nmain;handle;render 50\n');
  writeFileSync(join(work, 'head.folded'), 'main;handle;parse 92\nmain;handle;render 8\n');
});

after(async () => {
  process.env = savedEnv;
  for (const s of servers) await s.close();
  rmSync(work, { recursive: true, force: true });
});

function useOpenAi(url: string): void {
  process.env.AUTOPROF_LLM_BASE_URL = `${url}/v1`;
  process.env.AUTOPROF_LLM_API_KEY = KEY;
  process.env.AUTOPROF_LLM_MODEL = 'e2e-model';
  process.env.AUTOPROF_LLM_BACKOFF_MS = '10';
  process.env.AUTOPROF_LLM_TIMEOUT_S = '5';
  delete process.env.AI_ANALYSIS_ENDPOINT;
}

test('run --explain with a faithful-and-inventive model: section marked, exit status kept, key nowhere', async () => {
  useOpenAi(openai.url);
  const out = join(work, 'run-openai');
  const r = await runCli([
    'run',
    '--explain=openai',
    '--out',
    out,
    '--',
    process.execPath,
    join(work, 'busy.js'),
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /LLM explanation: 2 statements supported, 1 unsupported \(marked\)/);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /## Explanation \(LLM-generated, checked against the evidence\)/);
  assert.match(
    md,
    /unsupported: function turboEncode is not in the findings or profile; 73% matches no evidence/,
  );
  assert.ok(md.indexOf('## Explanation') < md.indexOf('## Key bottlenecks'), 'next to the findings');
  const e = JSON.parse(readFileSync(join(out, 'explanation.json'), 'utf8'));
  assert.equal(e.llm, true);
  assert.equal(e.model, 'scripted-model');
  assert.ok(existsSync(join(out, 'artifacts', 'llm-exchange.json')));
  assertNoSecret(out);

  // analyze --explain redoes it offline, through the analysis endpoint this time.
  process.env.AI_ANALYSIS_ENDPOINT = `${endpoint.url}/v1/analyze`;
  process.env.AI_ANALYSIS_TOKEN = TOKEN;
  const a = await runCli(['analyze', out, '--explain']);
  assert.equal(a.code, 0, a.stderr);
  const again = JSON.parse(readFileSync(join(out, 'explanation.json'), 'utf8'));
  assert.equal(again.provider, 'endpoint');
  assert.equal(again.checked.unsupported, 1);
  assert.equal(readFileSync(join(out, 'report.md'), 'utf8').split('<!-- autoprof:explanation -->').length, 2);
  assertNoSecret(out);
});

test('run --explain with a failing provider falls back and keeps the exit status', async () => {
  useOpenAi(failing.url);
  const out = join(work, 'run-failing');
  const r = await runCli(['run', '--explain', '--out', out, '--', process.execPath, join(work, 'busy.js')]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /explanation fell back to the template \(HTTP 500 \(after 3 attempts\)\)/);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /## Summary \(deterministic, not LLM-generated\)/);
  assert.match(md, /the openai provider failed/);
  assertNoSecret(out);
});

test('diff --explain keeps the gate exit status, with or without a working provider', async () => {
  useOpenAi(failing.url);
  const base = join(work, 'base.folded');
  const head = join(work, 'head.folded');
  const plain = await runCli(['diff', base, head, '--out', join(work, 'diff-plain')]);
  const down = await runCli(['diff', base, head, '--out', join(work, 'diff-down'), '--explain=openai']);
  useOpenAi(openai.url);
  const up = await runCli(['diff', base, head, '--out', join(work, 'diff-up'), '--explain']);
  assert.equal(plain.code, 1, plain.stderr);
  assert.equal(down.code, plain.code, down.stderr);
  assert.equal(up.code, plain.code, up.stderr);
  assert.ok(!existsSync(join(work, 'diff-plain', 'explanation.json')));
  const md = readFileSync(join(work, 'diff-up', 'report.md'), 'utf8');
  assert.match(md, /## Explanation \(LLM-generated/);
  assert.ok(md.indexOf('## Explanation') < md.indexOf('## Function changes'));
  assert.match(readFileSync(join(work, 'diff-down', 'report.md'), 'utf8'), /## Summary \(deterministic/);
  for (const d of ['diff-down', 'diff-up']) assertNoSecret(join(work, d));
  const bad = await runCli(['diff', base, head, '--out', join(work, 'diff-bad'), '--explain=gpt']);
  assert.equal(bad.code, 2);
});

test('the findings API explains with explain=true and never fails because of the provider', async () => {
  let server: TestServer | undefined;
  try {
    server = await startTestServer();
    const body =
      'main (app.py:1);handle (app.py:5);validate_email (app.py:30) 80\nmain (app.py:1);render (app.py:50) 20';
    const T0 = 1_700_000_000;
    const ingest = await fetch(
      `${server.url}/ingest?name=svc.cpu&from=${T0}&until=${T0 + 10}&sampleRate=100`,
      {
        method: 'POST',
        body,
      },
    );
    assert.equal(ingest.status, 200);
    const url = (explain: string) =>
      `${server?.url}/api/v1/findings?query=svc.cpu&from=${T0}&until=${T0 + 60}${explain}`;
    useOpenAi(openai.url);
    const plain = (await (await fetch(url(''))).json()) as Record<string, unknown>;
    assert.equal(plain.explanation, undefined);
    const r = await fetch(url('&explain=true'));
    assert.equal(r.status, 200);
    const doc = (await r.json()) as {
      explanation: { llm: boolean; checked: { unsupported: number }; label: string };
    };
    assert.equal(doc.explanation.llm, true);
    assert.equal(doc.explanation.checked.unsupported, 1);
    useOpenAi(failing.url);
    const down = (await (await fetch(url('&explain=openai'))).json()) as {
      explanation: { fallback: boolean };
    };
    assert.equal(down.explanation.fallback, true);
  } finally {
    await server?.close();
  }
});
