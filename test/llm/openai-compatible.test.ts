import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { explainFindings } from '../../src/llm/explain.js';
import { resolveExplainConfig } from '../../src/llm/explain-config.js';
import { renderExplanationMarkdown } from '../../src/llm/explanation-markdown.js';
import { regexFindings } from './findings-fixture.js';
import {
  chatCompletion,
  type Received,
  type ScriptedServer,
  type Step,
  startScriptedServer,
} from './scripted-server.js';

/**
 * explainFindings against a real local HTTP server speaking the OpenAI chat-completions API,
 * with scripted answers: faithful, inventive, slow, failing, and one that echoes the key back.
 */
const KEY = 'sk-test-do-not-leak-0123456789abcdef';
const servers: ScriptedServer[] = [];
const dirs: string[] = [];

after(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(steps: Step[]): Promise<ScriptedServer> {
  const s = await startScriptedServer(steps);
  servers.push(s);
  return s;
}

function config(baseUrl: string, extra: Record<string, string> = {}) {
  const c = resolveExplainConfig('openai', {
    AUTOPROF_LLM_BASE_URL: `${baseUrl}/v1`,
    AUTOPROF_LLM_MODEL: 'local-test',
    AUTOPROF_LLM_API_KEY: KEY,
    AUTOPROF_LLM_TIMEOUT_S: '2',
    AUTOPROF_LLM_BACKOFF_MS: '10',
    ...extra,
  });
  assert.ok(c);
  return c;
}

function auditDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'autoprof-llm-'));
  dirs.push(d);
  return d;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const FAITHFUL = JSON.stringify({
  summary:
    'The program is CPU-bound [E1]. Compiling the regular expression in `validate_email` on every call takes 42% of CPU [E5], about 0.82 s [E6]. `render` accounts for 30% [E8].',
  recommendations: [
    'Compile the pattern once at module level in app.py, then rerun `autoprof run` to measure.',
  ],
});

test('a faithful answer is shown, labelled, and audited without the key', async () => {
  const server = await serve([{ body: chatCompletion(FAITHFUL) }]);
  const dir = auditDir();
  const e = await explainFindings(regexFindings(), { config: config(server.url), auditDir: dir });
  assert.equal(e.llm, true);
  assert.equal(e.fallback, false);
  assert.equal(e.model, 'scripted-model');
  assert.deepEqual(e.checked, { supported: 4, unsupported: 0, dropped: 0 });
  assert.match(e.summary, /takes 42% of CPU \[E5\]/);
  assert.match(e.label, /^LLM-generated/);
  assert.deepEqual(
    e.evidence.map((f) => f.id),
    ['E1', 'E5', 'E6', 'E8'],
  );
  const md = renderExplanationMarkdown(e);
  assert.match(md, /## Explanation \(LLM-generated, checked against the evidence\)/);

  // What was sent: the chat-completions shape, the key only in the Authorization header.
  const req = server.received[0];
  assert.equal(req.url, '/v1/chat/completions');
  assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  const body = req.body as {
    model: string;
    max_tokens: number;
    messages: Array<{ role: string; content: string }>;
  };
  assert.equal(body.model, 'local-test');
  assert.equal(body.max_tokens, 800);
  assert.match(body.messages[0].content, /never invent|Never invent/);
  assert.match(body.messages[1].content, /"id":"E5","name":"regex_compile_share","value":42.13/);

  const audit = JSON.parse(readFileSync(join(dir, 'llm-exchange.json'), 'utf8'));
  assert.equal(audit.schema, 'autoprof.llm-exchange/v1');
  assert.equal(audit.exchange.url, `${server.url}/v1/chat/completions`);
  assert.equal(audit.exchange.request.messages.length, 2);
  assert.match(audit.exchange.response.body, /chat.completion/);
  for (const f of filesUnder(dir)) assert.ok(!readFileSync(f, 'utf8').includes(KEY), f);
});

test('an invented 73% and an invented function are caught and marked', async () => {
  const answer = JSON.stringify({
    summary:
      'Regex compilation in `validate_email` takes 42% of CPU [E5]. Fixing it cuts run time by 73%. The rest is in `fast_json_dumps`, which serialises responses.',
    recommendations: ['Replace `fast_json_dumps` with orjson.', 'Compile the pattern once in app.py.'],
  });
  const server = await serve([{ body: chatCompletion(answer) }]);
  const e = await explainFindings(regexFindings(), { config: config(server.url) });
  assert.equal(e.llm, true);
  assert.deepEqual(e.checked, { supported: 2, unsupported: 3, dropped: 0 });
  assert.match(
    e.summary,
    /⚠ \*\*\[unsupported: 73% matches no evidence\]\*\* ~~Fixing it cuts run time by 73%\.~~/,
  );
  assert.match(e.summary, /unsupported: function fast_json_dumps is not in the findings or profile/);
  assert.match(e.recommendations[0], /^⚠/);
  assert.match(e.label, /2 statements supported, 3 unsupported \(marked\)/);
  const bad = e.statements.filter((s) => !s.supported).map((s) => s.problems.join());
  assert.equal(bad.length, 3);

  const dropped = await explainFindings(regexFindings(), {
    config: config(server.url, { AUTOPROF_LLM_UNSUPPORTED: 'drop' }),
  });
  assert.equal(dropped.summary, 'Regex compilation in `validate_email` takes 42% of CPU [E5].');
  assert.deepEqual(dropped.recommendations, ['Compile the pattern once in app.py.']);
  assert.equal(dropped.checked.dropped, 3);
});

test('a slow provider times out, retries, and falls back to the template text', async () => {
  const server = await serve([{ delayMs: 3000, body: chatCompletion(FAITHFUL) }]);
  const dir = auditDir();
  const started = Date.now();
  const e = await explainFindings(regexFindings(), {
    config: config(server.url, { AUTOPROF_LLM_TIMEOUT_S: '0.3', AUTOPROF_LLM_RETRIES: '1' }),
    auditDir: dir,
  });
  assert.ok(Date.now() - started < 2500, 'two 0.3 s attempts, not the 3 s answer');
  assert.equal(e.llm, false);
  assert.equal(e.fallback, true);
  assert.match(e.fallback_reason ?? '', /timed out after 300 ms \(after 2 attempts\)/);
  assert.match(e.label, /^Not LLM-generated: the openai provider failed/);
  assert.match(e.summary, /regex_compile_share 42.13% \[E5\]/);
  assert.equal(e.checked.unsupported, 0);
  assert.equal(server.received.length, 2);
  const audit = JSON.parse(readFileSync(join(dir, 'llm-exchange.json'), 'utf8'));
  assert.equal(audit.fallback, true);
  assert.equal(audit.exchange.attempts.length, 2);
});

test('a 503 is retried with backoff; a 401 is final and the echoed key never lands in a file', async () => {
  const flaky = await serve([
    { status: 503, headers: { 'retry-after': '0' } },
    { body: chatCompletion(FAITHFUL) },
  ]);
  const ok = await explainFindings(regexFindings(), { config: config(flaky.url) });
  assert.equal(ok.llm, true);
  assert.equal(flaky.received.length, 2);

  // A server that echoes the Authorization header back in its error body.
  const echo = await serve([
    {
      status: 401,
      body: (r: Received) => ({ error: { message: `invalid key ${r.headers.authorization}` } }),
    },
  ]);
  const dir = auditDir();
  const e = await explainFindings(regexFindings(), { config: config(echo.url), auditDir: dir });
  assert.equal(e.fallback, true);
  assert.match(e.fallback_reason ?? '', /HTTP 401/);
  assert.equal(echo.received.length, 1, '4xx is not retried');
  const text = readFileSync(join(dir, 'llm-exchange.json'), 'utf8');
  assert.ok(!text.includes(KEY));
  assert.ok(!JSON.stringify(e).includes(KEY));
});

test('a garbled answer falls back; a prose answer is still checked', async () => {
  const garbled = await serve([{ body: { choices: [] } }]);
  const e = await explainFindings(regexFindings(), { config: config(garbled.url) });
  assert.equal(e.fallback, true);
  assert.match(e.fallback_reason ?? '', /no message content/);

  const prose = await serve([{ body: chatCompletion('Regex compilation takes 42% [E5]. It wastes 9.9 s.') }]);
  const p = await explainFindings(regexFindings(), { config: config(prose.url) });
  assert.equal(p.llm, true);
  assert.deepEqual(p.checked, { supported: 1, unsupported: 1, dropped: 0 });
});

test('the prompt respects the budget by shedding detail, never the top finding', async () => {
  const server = await serve([{ body: chatCompletion(FAITHFUL) }]);
  const dir = auditDir();
  await explainFindings(regexFindings(), {
    config: config(server.url, { AUTOPROF_LLM_MAX_PROMPT_CHARS: '2200' }),
    auditDir: dir,
  });
  const audit = JSON.parse(readFileSync(join(dir, 'llm-exchange.json'), 'utf8'));
  assert.ok(audit.prompt.trimmed.length > 0, JSON.stringify(audit.prompt));
  const user = (server.received[0].body as { messages: Array<{ content: string }> }).messages[1].content;
  assert.match(user, /validate_email/);
});

test('source snippets go out only on opt-in, with secrets redacted', async () => {
  const root = auditDir();
  const lines = Array.from({ length: 40 }, (_, i) => `# line ${i + 1}`);
  lines[28] = 'STRIPE_KEY = "sk-live-abcdefghijklmnopqrstuvwxyz123456"';
  lines[29] = 'def validate_email(addr): return re.compile(PATTERN).match(addr)';
  writeFileSync(join(root, 'app.py'), lines.join('\n'));
  const server = await serve([{ body: chatCompletion(FAITHFUL) }]);
  const sent = () =>
    (server.received[server.received.length - 1].body as { messages: Array<{ content: string }> }).messages[1]
      .content;

  await explainFindings(regexFindings(), { config: config(server.url), sourceRoot: root });
  assert.ok(!sent().includes('source_snippets'), 'no source without the opt-in');

  await explainFindings(regexFindings(), {
    config: { ...config(server.url), includeSource: true },
    sourceRoot: root,
  });
  assert.match(sent(), /source_snippets/);
  assert.match(sent(), /def validate_email/);
  assert.match(sent(), /STRIPE_KEY = \\"\[REDACTED\]/);
  assert.ok(!sent().includes('sk-live-abcdefghijklmnop'));
});
