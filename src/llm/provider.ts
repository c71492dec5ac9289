import type { Prompt } from './prompt.js';

/**
 * A provider turns a prompt into an answer. Providers only transport: grounding, fallback and
 * audit are the caller's (explain.ts), so every provider is judged by the same rules.
 */

/** PROVIDER_NAMES: 'none' writes from templates; the others ask a model. */
export const PROVIDER_NAMES = ['none', 'openai', 'endpoint'] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** ProviderAnswer is what came back, before any checking. */
export interface ProviderAnswer {
  summary: string;
  recommendations: string[];
  /** model: the model that answered, as the provider named it. */
  model: string | null;
}

/** Exchange records one provider call for the audit file (credentials never included). */
export interface Exchange {
  url: string;
  request: unknown;
  response: { status: number | null; body: string } | null;
  attempts: Attempt[];
}

/** Attempt is one HTTP try: its status (null without a response), time and error. */
export interface Attempt {
  attempt: number;
  status: number | null;
  duration_ms: number;
  error?: string;
}

/** Provider is one way to get an explanation. */
export interface Provider {
  name: ProviderName;
  /** secrets: credential values the caller must scrub from everything it writes. */
  secrets: string[];
  explain(prompt: Prompt, exchange: Exchange): Promise<ProviderAnswer>;
}

/** ProviderError is a provider failure; its message is safe to show (no credentials). */
export class ProviderError extends Error {}

/** parseAnswerText reads a model's JSON answer, tolerating code fences and bare prose. */
export function parseAnswerText(content: string): Omit<ProviderAnswer, 'model'> {
  const stripped = content
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/```\s*$/, '')
    .trim();
  const start = stripped.indexOf('{');
  const end = stripped.lastIndexOf('}');
  if (start !== -1 && end > start) {
    try {
      return answerOf(JSON.parse(stripped.slice(start, end + 1)));
    } catch {
      // Not JSON after all: the whole text is the summary.
    }
  }
  return { summary: stripped, recommendations: [] };
}

/** answerOf reads {summary | summary_override, recommendations} from a parsed body. */
export function answerOf(body: unknown): Omit<ProviderAnswer, 'model'> {
  if (!body || typeof body !== 'object') throw new ProviderError('answer is not a JSON object');
  const b = body as Record<string, unknown>;
  const summary = typeof b.summary_override === 'string' ? b.summary_override : b.summary;
  if (typeof summary !== 'string') throw new ProviderError('answer has no summary');
  const recs = Array.isArray(b.recommendations) ? b.recommendations.filter((r) => typeof r === 'string') : [];
  return { summary, recommendations: recs as string[] };
}
