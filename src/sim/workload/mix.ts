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

export function pickType(mix: ReadonlyArray<[RequestType, number]>, u: number): RequestType {
  let acc = 0;
  for (const [type, share] of mix) {
    acc += share;
    if (u < acc) return type;
  }
  return mix[mix.length - 1]![0];
}
