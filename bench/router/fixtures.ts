import type { InferenceModePolicy } from '../../src/api/v1alpha1/types.js';

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
export const MODES = ['fp16', 'fp8', 'int4', 'spec'];

export const POLICY: InferenceModePolicy = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  metadata: { name: 'bench', namespace: 'default', generation: 1 },
  spec: {
    model: MODEL,
    modes: MODES.map((name) => ({ name })),
    routing: {
      defaultMode: 'fp8',
      rules: [
        { name: 'quality-first', when: "request.type in ['code', 'math']", mode: 'fp16' },
        { name: 'short', when: 'request.inputTokens < 512 && request.maxOutputTokens <= 128', mode: 'int4' },
        {
          name: 'long-output',
          when: "request.expectedOutputTokens > 256 && modes['spec'].queueDepth < 8",
          mode: 'spec',
        },
        { name: 'power-cap', when: "modes['fp16'].powerWatts > 600.0 && request.priority < 5", mode: 'int4' },
        { name: 'energy', when: "modes['int4'].energyPerToken < modes['fp8'].energyPerToken", mode: 'int4' },
      ],
      fallback: ['fp8', 'fp16'],
    },
  },
};

/** What the load generator posts: a short non-streamed completion. */
export const REQUEST_BODY = JSON.stringify({ model: MODEL, prompt: 'Hello there, how are you?', max_tokens: 16 });

/** The backend's fixed answer, OpenAI-shaped with usage so the router accounts tokens as it would for vLLM. */
export const ANSWER = JSON.stringify({
  id: 'cmpl-1',
  object: 'text_completion',
  created: 0,
  model: MODEL,
  choices: [{ index: 0, text: ' a short fixed answer', finish_reason: 'length', logprobs: null }],
  usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
});

export const VLLM_METRICS =
  'vllm:num_requests_waiting{model_name="m"} 0\nvllm:num_requests_running{model_name="m"} 1\nvllm:kv_cache_usage_perc{model_name="m"} 0.2\n';

/** The same policy with one mode and no rule: the router's cheapest configuration, compared with plain proxies. */
export const ONE_MODE_POLICY: InferenceModePolicy = {
  ...POLICY,
  metadata: { ...POLICY.metadata, name: 'bench-one-mode' },
  spec: { model: MODEL, modes: [{ name: 'fp8' }], routing: { defaultMode: 'fp8' } },
};

/** Chat completions the peer comparison posts (every gateway compared serves this route). */
export const CHAT_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'Hello there, how are you?' }],
  max_tokens: 16,
});
export const CHAT_STREAM_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'Hello there, how are you?' }],
  max_tokens: 16,
  stream: true,
});

const chunk = (content: string, finish: string | null) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 0,
    model: MODEL,
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });

/** A streamed chat answer as vLLM sends it: 16 content chunks, a usage chunk, then [DONE]. */
export const STREAM_ANSWER =
  Array.from({ length: 16 }, (_, i) => `data: ${chunk(` w${i}`, i === 15 ? 'length' : null)}\n\n`).join('') +
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: MODEL, choices: [], usage: { prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 } })}\n\n` +
  'data: [DONE]\n\n';
