import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactSecrets, scrubKnown } from '../../src/llm/redact.js';

test('secrets-looking strings are redacted, ordinary code is not', () => {
  const cases: Array<[string, string]> = [
    ['client = OpenAI(api_key="sk-proj-abcdefghijklmnopqrstuvwx")', 'sk-proj-'],
    ['headers = {"Authorization": "Bearer abcdef0123456789xyz"}', 'abcdef0123456789xyz'],
    ['DB_PASSWORD=hunter2hunter2', 'hunter2hunter2'],
    ['password: "correct horse"', 'correct'],
    ['token = ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_'],
    ['aws = "AKIAIOSFODNN7EXAMPLE"', 'AKIAIOSFODNN7EXAMPLE'],
    ['digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"', '9f86d081884c'],
    ['blob = "QWxhZGRpbjpvcGVuIHNlc2FtZQ9QWxhZGRpbjpvcGVuIHNlc2FtZQ9aa"', 'QWxhZGRpbjpv'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEA'],
    ['url = "postgres://admin:s3cr3tpass@db:5432/app"', 's3cr3tpass'],
  ];
  for (const [input, secret] of cases) {
    const r = redactSecrets(input);
    assert.ok(!r.text.includes(secret), `${input} -> ${r.text}`);
    assert.ok(r.text.includes(REDACTED));
    assert.ok(r.count >= 1);
  }
  const code = 'def validate_email(addr):\n    return EMAIL_RE.match(addr) is not None  # 42 calls';
  assert.deepEqual(redactSecrets(code), { text: code, count: 0 });
});

test('known credentials are scrubbed verbatim wherever they appear', () => {
  assert.equal(
    scrubKnown('echo: Bearer k-123456 and k-123456', ['k-123456']),
    `echo: Bearer ${REDACTED} and ${REDACTED}`,
  );
});
