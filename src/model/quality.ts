import type { ModeProfile, QualityClass, RequestType } from './types.js';

/**
 * Modelled accuracy change in points versus FP16/BF16, by weight precision and request type, for Llama-3.1-class
 * instruct models. Sources in docs/calibration.md ("Quality"): FP8 W8A8 is within noise of BF16; INT8 W8A8 loses
 * under a point; 4-bit W4A16 loses most on math and code; bitsandbytes NF4 a little more than GPTQ/AWQ.
 */
export const QUALITY_DELTA_POINTS: Readonly<Record<QualityClass, Readonly<Record<RequestType, number>>>> = {
  fp16: { chat: 0, code: 0, math: 0, summarise: 0, extract: 0, reasoning: 0 },
  fp8: { chat: 0, code: -0.2, math: -0.3, summarise: 0, extract: 0, reasoning: -0.2 },
  int8: { chat: -0.3, code: -0.8, math: -1.0, summarise: -0.2, extract: -0.2, reasoning: -0.8 },
  int4: { chat: -0.8, code: -1.5, math: -2.5, summarise: -0.5, extract: -0.5, reasoning: -2.0 },
  nf4: { chat: -1.0, code: -2.0, math: -3.0, summarise: -0.7, extract: -0.7, reasoning: -2.5 },
};

/** FP8 KV cache: small extra loss on long-context types (vLLM docs: "minimal" accuracy impact). */
export const FP8_KV_DELTA_POINTS: Readonly<Record<RequestType, number>> = {
  chat: 0,
  code: 0,
  math: 0,
  summarise: -0.1,
  extract: -0.1,
  reasoning: -0.1,
};

/**
 * Accuracy change of a mode for a request type. Speculative decoding (exact rejection sampling) and prefix
 * caching do not change outputs, so only weight and KV precision count.
 */
export function qualityDeltaPoints(profile: ModeProfile, type: RequestType): number {
  const kv = profile.kvBytesPerElement < 2 ? FP8_KV_DELTA_POINTS[type] : 0;
  return QUALITY_DELTA_POINTS[profile.qualityClass][type] + kv;
}
