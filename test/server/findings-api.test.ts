import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './harness.js';

/**
 * /api/v1/findings applies the run analysis to a stored range: a Python service that compiles
 * regular expressions per call, pushed as folded stacks, gets a regex finding at its own frame.
 */
const T0 = 1_700_000_000;
let server: TestServer;

before(async () => {
  server = await startTestServer();
  const body = [
    // py-spy's frame names: "function (file:line)".
    '<module> (main.py:40);handle_request (app.py:12);validate_email (app.py:30);compile (/usr/lib/python3.11/re/__init__.py:227);_compile (/usr/lib/python3.11/re/__init__.py:294) 60',
    '<module> (main.py:40);handle_request (app.py:12);render (app.py:50) 30',
    '<module> (main.py:40);handle_request (app.py:12);validate_email (app.py:31) 10',
  ].join('\n');
  for (let i = 0; i < 3; i++) {
    const from = T0 + i * 10;
    const r = await fetch(
      `${server.url}/ingest?name=signup.cpu&from=${from}&until=${from + 10}&sampleRate=100&spyName=pyspy`,
      {
        method: 'POST',
        body,
      },
    );
    assert.equal(r.status, 200, await r.text());
  }
});

after(async () => {
  await server.close();
});

test('findings for a stored range name the regex compiled per call', async () => {
  const r = await fetch(
    `${server.url}/api/v1/findings?query=${encodeURIComponent('signup.cpu')}&from=${T0}&until=${T0 + 60}`,
  );
  assert.equal(r.status, 200, await r.clone().text());
  const doc = (await r.json()) as {
    classification: { kind: string };
    findings: Array<{ category: string; location: { function: string } }>;
  };
  assert.ok(doc.classification.kind);
  const regex = doc.findings.find((f) => f.category === 'regex');
  assert.ok(regex, JSON.stringify(doc.findings.map((f) => [f.category, f.location.function])));
  assert.equal(regex.location.function, 'validate_email');
});

test('findings without a query is a 400', async () => {
  const r = await fetch(`${server.url}/api/v1/findings`);
  assert.equal(r.status, 400);
});
