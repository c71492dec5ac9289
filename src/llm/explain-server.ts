import type { Diagnosis } from '../analysis/diagnose.js';
import { FINDINGS_SCHEMA, type FindingsDocument } from '../analysis/findings.js';
import type { Profile } from '../model/profile.js';
import { type Explanation, explainFindings } from './explain.js';
import { resolveExplainConfig } from './explain-config.js';

/**
 * explainServerFindings is the findings API's `explain` parameter. The provider comes from the
 * server's environment, never from the request, so a reader cannot point the server at a host
 * of their choosing; source is never read (the server has none of the program's files). An
 * invalid value or a failing provider gives the template text, never an error response.
 */
export async function explainServerFindings(
  diagnosis: Diagnosis,
  profile: Profile,
  requested: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Explanation | undefined> {
  const wanted = requested.trim().toLowerCase();
  if (['false', '0', 'off', 'no'].includes(wanted)) return undefined;
  let config: ReturnType<typeof resolveExplainConfig>;
  try {
    config = resolveExplainConfig(['true', '1', 'yes'].includes(wanted) ? 'auto' : wanted, env, {
      includeSource: false,
    });
  } catch {
    config = resolveExplainConfig('none', env, { includeSource: false });
  }
  if (!config) return undefined;
  const doc: FindingsDocument = {
    schema: FINDINGS_SCHEMA,
    target: { argv: [], cwd: '' },
    run: { dir: '', runs: 1, wall_s: null, exit_status: null, collectors: [] },
    classification: diagnosis.classification,
    findings: diagnosis.findings,
    notes: [],
  };
  return explainFindings(doc, { config: { ...config, includeSource: false }, profiles: [profile] });
}
