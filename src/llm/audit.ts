import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exchange } from './provider.js';
import { scrubKnown } from './redact.js';

/**
 * The audit file (DIR/artifacts/llm-exchange.json) records exactly what was sent to a model and
 * what came back, so a reader can judge an explanation by its inputs. Credentials are never in
 * it: headers are not recorded at all, and every known secret value is scrubbed from the whole
 * serialised file as a last line of defence (a server may echo a key back in an error body).
 */

/** AUDIT_SCHEMA names the audit file's shape. */
export const AUDIT_SCHEMA = 'autoprof.llm-exchange/v1';

/** AuditRecord is the audit file. */
export interface AuditRecord {
  schema: typeof AUDIT_SCHEMA;
  kind: 'findings' | 'diff';
  provider: string;
  model: string | null;
  at: string;
  prompt: { chars: number; approx_tokens: number; trimmed: string[]; redactions: number };
  exchange: Exchange | null;
  fallback: boolean;
  fallback_reason: string | null;
  grounding: { supported: number; unsupported: number; problems: string[] };
}

/** safeUrl drops user info and the query string, where some gateways carry keys. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '';
  }
}

/** serializeAudit renders the record with every known secret scrubbed. */
export function serializeAudit(record: AuditRecord, secrets: readonly string[]): string {
  const withUrl = record.exchange
    ? { ...record, exchange: { ...record.exchange, url: safeUrl(record.exchange.url) } }
    : record;
  return scrubKnown(`${JSON.stringify(withUrl, null, 2)}\n`, secrets);
}

/** writeAudit writes DIR/llm-exchange.json and returns its path. */
export function writeAudit(dir: string, record: AuditRecord, secrets: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'llm-exchange.json');
  writeFileSync(path, serializeAudit(record, secrets));
  return path;
}
