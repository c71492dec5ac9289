import type { ExplainConfig } from '../explain-config.js';
import { postJson } from '../http-post.js';
import type { Prompt } from '../prompt.js';
import { answerOf, type Exchange, type Provider, ProviderError } from '../provider.js';

/**
 * An analysis endpoint: a service of the user's own (often an internal gateway to a model) that
 * takes the structured facts and answers {"summary_override": "...", "recommendations": [...]}.
 * It gets the instructions too, so an endpoint that forwards to a model need not invent its own.
 *
 *   POST <AI_ANALYSIS_ENDPOINT>   Authorization: Bearer <AI_ANALYSIS_TOKEN> (when set)
 *   {schema: 'autoprof.explain-request/v1', kind: 'findings'|'diff', instructions, max_tokens, ...facts}
 */

/** analysisEndpointProvider posts the facts to AI_ANALYSIS_ENDPOINT. */
export function analysisEndpointProvider(config: ExplainConfig): Provider {
  const { url, token } = config.endpoint;
  return {
    name: 'endpoint',
    secrets: token ? [token] : [],
    async explain(prompt: Prompt, exchange: Exchange) {
      if (!url) throw new ProviderError('no analysis endpoint (set AI_ANALYSIS_ENDPOINT)');
      const request = { ...prompt.facts, instructions: prompt.system, max_tokens: config.maxTokens };
      exchange.url = url;
      exchange.request = request;
      const res = await postJson(url, request, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        timeoutMs: config.timeoutMs,
        retries: config.retries,
        backoffMs: config.backoffMs,
        attempts: exchange.attempts,
      });
      exchange.response = { status: res.status, body: res.text };
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        throw new ProviderError('analysis endpoint answer is not JSON');
      }
      return { ...answerOf(body), model: null };
    },
  };
}
