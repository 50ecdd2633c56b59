import type { RequestType, SpeculativeMethod } from './types.js';

/**
 * Per-token draft acceptance rate (alpha) by method and request type; sources in docs/calibration.md.
 * n-gram (prompt lookup) only wins where the output copies the input (summarise, extract, code edits).
 */
export const ACCEPTANCE: Readonly<Record<SpeculativeMethod, Readonly<Record<RequestType, number>>>> = {
  ngram: { chat: 0.2, code: 0.4, math: 0.3, summarise: 0.55, extract: 0.6, reasoning: 0.3 },
  eagle: { chat: 0.7, code: 0.75, math: 0.75, summarise: 0.65, extract: 0.65, reasoning: 0.72 },
  eagle3: { chat: 0.78, code: 0.82, math: 0.82, summarise: 0.72, extract: 0.72, reasoning: 0.8 },
  medusa: { chat: 0.6, code: 0.65, math: 0.65, summarise: 0.55, extract: 0.55, reasoning: 0.6 },
  draft_model: { chat: 0.7, code: 0.75, math: 0.72, summarise: 0.7, extract: 0.7, reasoning: 0.7 },
  mtp: { chat: 0.7, code: 0.75, math: 0.75, summarise: 0.65, extract: 0.65, reasoning: 0.72 },
};

/** Expected tokens emitted per verification step with k drafts (Leviathan et al. 2023, eq. 1). */
export function expectedTokensPerStep(alpha: number, k: number): number {
  if (alpha >= 1) return k + 1;
  return (1 - alpha ** (k + 1)) / (1 - alpha);
}

/** Samples accepted drafts: consecutive successes with probability alpha, at most k; plus the bonus token. */
export function sampleTokensPerStep(
  alpha: number,
  k: number,
  random: () => number,
): { tokens: number; accepted: number } {
  let accepted = 0;
  while (accepted < k && random() < alpha) accepted += 1;
  return { tokens: accepted + 1, accepted };
}
