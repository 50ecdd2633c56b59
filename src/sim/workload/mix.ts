import type { RequestType } from '../../model/types.js';

/**
 * The traces give arrival times and token counts only. Request types are drawn from these shares — ModeSwitch's own
 * assumption (docs/workload.md), not a measurement: the code trace is a code-completion service; the conversation
 * service is taken as mostly open chat with a tail of summarising, extraction, math and multi-step reasoning.
 */
export const TYPE_MIX: Readonly<Record<'conv' | 'code', ReadonlyArray<[RequestType, number]>>> = {
  conv: [
    ['chat', 0.5],
    ['summarise', 0.15],
    ['extract', 0.1],
    ['code', 0.1],
    ['math', 0.08],
    ['reasoning', 0.07],
  ],
  code: [['code', 1]],
};

/** Difficulty range per type: uniform in [low, high]. Code and math are harder on average. */
export const DIFFICULTY_RANGE: Readonly<Record<RequestType, [number, number]>> = {
  chat: [0, 0.6],
  summarise: [0.1, 0.6],
  extract: [0.1, 0.5],
  code: [0.3, 1],
  math: [0.4, 1],
  reasoning: [0.4, 1],
};

/**
 * Shared system prompts: this share of conversation requests starts with one of a few long system prompts
 * (assistants and RAG front-ends), which prefix caching can reuse. Code completion prompts carry the file around
 * the cursor, which repeats between keystrokes of one user: modelled the same way with more, shorter prefixes.
 */
export const SHARED_PREFIX: Readonly<Record<'conv' | 'code', { share: number; groups: number; tokens: number }>> = {
  conv: { share: 0.3, groups: 8, tokens: 512 },
  code: { share: 0.5, groups: 64, tokens: 1024 },
};

/**
 * Sampling temperature per request type, as [temperature, share] pairs — an assumption resting on documented
 * defaults, not on a measured trace (the Azure traces carry no sampling parameters): 0.6, Llama-3.1-Instruct's
 * generation_config.json, which vLLM applies when a client sets none; 1.0, the OpenAI API's default, for clients that
 * send it; 0.7, a common chat front-end setting; 0 (greedy) for the evaluation-style and tool clients, more often for
 * code and math, whose answers have one right form. Code completion runs near-greedy (0 or 0.2).
 */
export const TEMPERATURE_MIX: Readonly<Record<RequestType, ReadonlyArray<[number, number]>>> = {
  chat: [
    [0, 0.2],
    [0.6, 0.4],
    [0.7, 0.2],
    [1, 0.2],
  ],
  summarise: [
    [0, 0.3],
    [0.6, 0.4],
    [0.7, 0.1],
    [1, 0.2],
  ],
  extract: [
    [0, 0.5],
    [0.6, 0.3],
    [1, 0.2],
  ],
  code: [
    [0, 0.5],
    [0.2, 0.3],
    [0.6, 0.2],
  ],
  math: [
    [0, 0.5],
    [0.6, 0.4],
    [1, 0.1],
  ],
  reasoning: [
    [0, 0.2],
    [0.6, 0.6],
    [1, 0.2],
  ],
};

/** The value of a [value, share] mix at a uniform draw u. */
export function pickFromMix<T>(mix: ReadonlyArray<[T, number]>, u: number): T {
  let acc = 0;
  for (const [value, share] of mix) {
    acc += share;
    if (u < acc) return value;
  }
  return mix[mix.length - 1]![0];
}

export function pickType(mix: ReadonlyArray<[RequestType, number]>, u: number): RequestType {
  return pickFromMix(mix, u);
}
