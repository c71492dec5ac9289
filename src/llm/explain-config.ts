import { UsageError } from '../errors.js';
import { PROVIDER_NAMES, type ProviderName } from './provider.js';

/**
 * Where explanations come from, read from flags and the environment. Credentials come only from
 * the environment, never from flags, so they stay out of shell history, `ps` and the reproduce
 * lines reports print.
 *
 *   --explain[=none|openai|endpoint|auto]   ask for an explanation (auto: by what is configured)
 *   --explain-source                        also send redacted source lines around the findings
 *   AUTOPROF_EXPLAIN=none|openai|endpoint|auto   the same without the flag (config for CI)
 *   AUTOPROF_LLM_BASE_URL (or OPENAI_BASE_URL), AUTOPROF_LLM_MODEL, AUTOPROF_LLM_API_KEY (or OPENAI_API_KEY)
 *   AI_ANALYSIS_ENDPOINT, AI_ANALYSIS_TOKEN
 *   AUTOPROF_LLM_TIMEOUT_S (30), AUTOPROF_LLM_RETRIES (2), AUTOPROF_LLM_MAX_TOKENS (800),
 *   AUTOPROF_LLM_MAX_PROMPT_CHARS (24000)
 */

/** ExplainConfig is a resolved provider with its limits. */
export interface ExplainConfig {
  provider: ProviderName;
  openai: { baseUrl: string; model: string; apiKey: string | null };
  endpoint: { url: string | null; token: string | null };
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxTokens: number;
  maxPromptChars: number;
  includeSource: boolean;
  /** unsupported: what happens to a sentence grounding rejects. */
  unsupported: 'mark' | 'drop';
}

/** ExplainFlags are the explain flags taken out of a command line. */
export interface ExplainFlags {
  /** explain: undefined when absent, 'auto' for a bare --explain, else the named provider. */
  explain: string | undefined;
  explainSource: boolean;
  /** rest: the command line without them. */
  rest: string[];
}

/**
 * takeExplainFlags removes --explain[=X] and --explain-source before the command's own parser
 * sees them: node's parseArgs cannot express a flag whose value is optional. Words after `--`
 * belong to the target and are left alone.
 */
export function takeExplainFlags(argv: string[]): ExplainFlags {
  const rest: string[] = [];
  let explain: string | undefined;
  let explainSource = false;
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough) rest.push(arg);
    else if (arg === '--') {
      passthrough = true;
      rest.push(arg);
    } else if (arg === '--explain') explain = 'auto';
    else if (arg.startsWith('--explain=')) explain = arg.slice('--explain='.length) || 'auto';
    else if (arg === '--explain-source') explainSource = true;
    else rest.push(arg);
  }
  return { explain, explainSource, rest };
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`${name} must be a non-negative number, got '${raw}'`);
  return n;
}

/**
 * resolveExplainConfig turns a requested provider (flag, query parameter, or AUTOPROF_EXPLAIN)
 * into a config, or null when no explanation was asked for. 'auto' picks the analysis endpoint
 * when one is set, else an OpenAI-compatible server when a base URL or key is set, else none.
 */
export function resolveExplainConfig(
  requested: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  options: { includeSource?: boolean } = {},
): ExplainConfig | null {
  const wanted = (requested ?? env.AUTOPROF_EXPLAIN ?? '').trim().toLowerCase();
  if (wanted === '' || wanted === 'false' || wanted === 'off') return null;
  const choices = [...PROVIDER_NAMES, 'auto', 'true'];
  if (!choices.includes(wanted))
    throw new UsageError(`--explain takes one of ${PROVIDER_NAMES.join(', ')}, auto; got '${wanted}'`);
  const baseUrl = env.AUTOPROF_LLM_BASE_URL || env.OPENAI_BASE_URL || '';
  const apiKey = env.AUTOPROF_LLM_API_KEY || env.OPENAI_API_KEY || null;
  const endpointUrl = env.AI_ANALYSIS_ENDPOINT || null;
  let provider: ProviderName;
  if (wanted === 'auto' || wanted === 'true')
    provider = endpointUrl ? 'endpoint' : baseUrl || apiKey ? 'openai' : 'none';
  else provider = wanted as ProviderName;
  return {
    provider,
    openai: {
      baseUrl: baseUrl || 'https://api.openai.com/v1',
      model: env.AUTOPROF_LLM_MODEL || 'gpt-4o-mini',
      apiKey,
    },
    endpoint: { url: endpointUrl, token: env.AI_ANALYSIS_TOKEN || null },
    timeoutMs: Math.round(number(env, 'AUTOPROF_LLM_TIMEOUT_S', 30) * 1000),
    retries: Math.floor(number(env, 'AUTOPROF_LLM_RETRIES', 2)),
    backoffMs: Math.round(number(env, 'AUTOPROF_LLM_BACKOFF_MS', 500)),
    maxTokens: Math.floor(number(env, 'AUTOPROF_LLM_MAX_TOKENS', 800)),
    maxPromptChars: Math.floor(number(env, 'AUTOPROF_LLM_MAX_PROMPT_CHARS', 24000)),
    includeSource: options.includeSource ?? env.AUTOPROF_EXPLAIN_SOURCE === '1',
    unsupported: env.AUTOPROF_LLM_UNSUPPORTED === 'drop' ? 'drop' : 'mark',
  };
}
