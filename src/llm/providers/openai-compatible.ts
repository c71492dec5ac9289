import type { ExplainConfig } from '../explain-config.js';
import { postJson } from '../http-post.js';
import type { Prompt } from '../prompt.js';
import { type Exchange, type Provider, ProviderError, parseAnswerText } from '../provider.js';

/**
 * The OpenAI chat-completions API (POST {base}/chat/completions), which OpenAI, Azure-style
 * gateways and local servers (llama.cpp, Ollama, vLLM, LM Studio) all speak. Temperature 0 so
 * reruns over the same findings read the same; JSON is asked for in the instructions rather
 * than with response_format, which several local servers reject.
 */

/** chatCompletionsUrl accepts a base URL (".../v1") or the full endpoint. */
export function chatCompletionsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

/** openAiCompatibleProvider asks a chat-completions server. */
export function openAiCompatibleProvider(config: ExplainConfig): Provider {
  const { baseUrl, model, apiKey } = config.openai;
  return {
    name: 'openai',
    secrets: apiKey ? [apiKey] : [],
    async explain(prompt: Prompt, exchange: Exchange) {
      const url = chatCompletionsUrl(baseUrl);
      const isLocal = /^https?:\/\/(?:127\.|localhost|\[::1\])/.test(url);
      if (!apiKey && !isLocal)
        throw new ProviderError('no API key (set AUTOPROF_LLM_API_KEY or OPENAI_API_KEY)');
      const request = {
        model,
        temperature: 0,
        max_tokens: config.maxTokens,
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
      };
      exchange.url = url;
      exchange.request = request;
      const res = await postJson(url, request, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        timeoutMs: config.timeoutMs,
        retries: config.retries,
        backoffMs: config.backoffMs,
        attempts: exchange.attempts,
      });
      exchange.response = { status: res.status, body: res.text };
      let body: { model?: unknown; choices?: Array<{ message?: { content?: unknown } }> };
      try {
        body = JSON.parse(res.text);
      } catch {
        throw new ProviderError('chat completion is not JSON');
      }
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== 'string' || content.trim() === '')
        throw new ProviderError('chat completion has no message content');
      return { ...parseAnswerText(content), model: typeof body.model === 'string' ? body.model : model };
    },
  };
}
