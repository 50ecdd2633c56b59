import { normal } from './rng.js';
import type { RequestType } from './types.js';

/**
 * Natural answer length when the client sets no stop via max_tokens: log-normal per request type, median tokens
 * and log-space sigma. Medians follow ShareGPT / LMSYS-Chat response lengths and the Azure LLM trace
 * (conversation vs code); reasoning follows ML.ENERGY's Problem Solving task. See docs/calibration.md.
 */
export const OUTPUT_LENGTH: Readonly<Record<RequestType, { median: number; sigma: number }>> = {
  chat: { median: 250, sigma: 0.8 },
  code: { median: 200, sigma: 0.9 },
  math: { median: 300, sigma: 0.7 },
  summarise: { median: 150, sigma: 0.5 },
  extract: { median: 60, sigma: 0.6 },
  reasoning: { median: 1500, sigma: 0.8 },
};

/** Samples an output length (at least 1 token). */
export function sampleOutputTokens(type: RequestType, random: () => number): number {
  const { median, sigma } = OUTPUT_LENGTH[type];
  return Math.max(1, Math.round(median * Math.exp(sigma * normal(random))));
}
