import type { FinishReason } from './core-types.js';

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
  prompt_tokens_details: null;
}

export const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  total_tokens: prompt + completion,
  completion_tokens: completion,
  prompt_tokens_details: null,
});

export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

type ApiFinish = Exclude<FinishReason, 'abort'> | null;

/** A choice's `logprobs` (built by logprobs.ts), or null when the client did not ask for them. */
type Logprobs = object | null;

/** A whole (non-streamed) answer's text, why it ended, its usage and its logprobs. */
export interface FinalAnswer {
  text: string;
  finish: ApiFinish;
  usage: Usage;
  logprobs: Logprobs;
}

export function completionBody(who: ResponseIdentity, { text, finish, usage, logprobs }: FinalAnswer): object {
  return {
    id: who.id,
    object: 'text_completion',
    created: who.created,
    model: who.model,
    choices: [{ index: 0, text, logprobs, finish_reason: finish, stop_reason: null, prompt_logprobs: null }],
    usage,
    service_tier: null,
    system_fingerprint: null,
    kv_transfer_params: null,
  };
}

export function chatBody(who: ResponseIdentity, { text, finish, usage, logprobs }: FinalAnswer): object {
  return {
    id: who.id,
    object: 'chat.completion',
    created: who.created,
    model: who.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: [],
          reasoning_content: null,
        },
        logprobs,
        finish_reason: finish,
        stop_reason: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage,
    prompt_logprobs: null,
    kv_transfer_params: null,
  };
}

export function completionChunk(
  who: ResponseIdentity,
  text: string,
  finish: ApiFinish,
  logprobs: Logprobs = null,
): object {
  return {
    id: who.id,
    object: 'text_completion',
    created: who.created,
    model: who.model,
    choices: [{ index: 0, text, logprobs, finish_reason: finish, stop_reason: null }],
  };
}

export function chatChunk(who: ResponseIdentity, delta: object, finish: ApiFinish, logprobs: Logprobs = null): object {
  return {
    id: who.id,
    object: 'chat.completion.chunk',
    created: who.created,
    model: who.model,
    choices: [{ index: 0, delta, logprobs, finish_reason: finish, stop_reason: null }],
  };
}

/** Final usage-only chunk sent when stream_options.include_usage is true. */
export function usageChunk(who: ResponseIdentity, object: string, usage: Usage): object {
  return { id: who.id, object, created: who.created, model: who.model, choices: [], usage };
}

export const sse = (payload: object | string): string =>
  `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
