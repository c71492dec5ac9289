/**
 * Secret redaction for everything that leaves the machine (prompts) or lands on disk (audit,
 * reports). Two layers: `scrubKnown` removes the exact credentials autoprof itself holds (the
 * API key, the endpoint token), which must never be written anywhere; `redactSecrets` removes
 * strings that merely look like secrets in the user's source, argv or frame names, because a
 * snippet sent to a third-party model is a leak even when nobody meant it to be.
 */

/** REDACTED replaces a removed secret; it says what happened without hinting at the value. */
export const REDACTED = '[REDACTED]';

interface SecretPattern {
  name: string;
  re: RegExp;
  /** keep: how many leading capture groups to keep (the `password=` part of an assignment). */
  keep?: number;
}

// Ordered: specific shapes first, so a PEM block is one redaction rather than many base64 runs.
const PATTERNS: SecretPattern[] = [
  {
    name: 'private-key',
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  },
  { name: 'bearer', re: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, keep: 1 },
  { name: 'basic-auth-url', re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi, keep: 1 },
  { name: 'openai-key', re: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}/g },
  { name: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g },
  { name: 'aws-access-key', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { name: 'slack-token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { name: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{30,}/g },
  { name: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    // key = "value", key: value, --key=value, KEY=value (env files, YAML, argv, code).
    name: 'assignment',
    re: /((?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|credentials?|auth|access[_-]?key|private[_-]?key|client[_-]?secret)[\w-]*["']?\s*(?:=|:|=>)\s*["']?)([^\s"',;)}\]]{4,})/gi,
    keep: 1,
  },
  { name: 'long-hex', re: /\b[0-9a-fA-F]{32,}\b/g },
  // Long base64 runs: at least one digit and one letter case mix, so plain words are not hit.
  {
    name: 'long-base64',
    re: /(?<![\w/+])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Z])(?=[A-Za-z0-9+/_-]*[a-z])[A-Za-z0-9+/_-]{40,}={0,2}/g,
  },
];

/** Redaction is redacted text and how many secrets-looking strings were removed. */
export interface Redaction {
  text: string;
  count: number;
}

/** redactSecrets replaces API keys, tokens, passwords, private keys and long hex/base64 runs. */
export function redactSecrets(text: string): Redaction {
  let count = 0;
  let out = text;
  for (const p of PATTERNS) {
    out = out.replace(p.re, (...args: unknown[]) => {
      const groups = args.slice(1, -2) as Array<string | undefined>;
      if (p.keep && groups[0] !== undefined) {
        const value = groups[1] ?? '';
        // An assignment whose value is already redacted or a plain placeholder is no secret.
        if (value.startsWith(REDACTED) || /^(?:null|none|true|false|undefined|\*+|x+)$/i.test(value))
          return args[0] as string;
        count++;
        return `${groups[0]}${REDACTED}`;
      }
      count++;
      return REDACTED;
    });
  }
  return { text: out, count };
}

/** scrubKnown removes each exact secret value (credentials autoprof was given) from the text. */
export function scrubKnown(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    // Very short values would blank ordinary words; such a "key" is not worth protecting anyway.
    if (s.length < 4) continue;
    out = out.split(s).join(REDACTED);
  }
  return out;
}

/** redactDeep applies redactSecrets to every string inside a JSON-like value. */
export function redactDeep<T>(value: T, counter: { count: number } = { count: 0 }): T {
  if (typeof value === 'string') {
    const r = redactSecrets(value);
    counter.count += r.count;
    return r.text as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, counter)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, counter);
    return out as T;
  }
  return value;
}
