import { profileFromModeFlags, type ModeFlags } from './mode-profile.js';
import type { ModeProfile } from './types.js';

/**
 * Draft tokens by batch for EAGLE-3 with 3 drafts on an H100: the k with the most expected tokens per second of the
 * simulator's step model for greedy chat at each batch (3 to 32, 2 to 96, 1 above; none of 0-3 wins past that
 * range), i.e. what a user would read off a profile of their own deployment.
 */
export const EAGLE3_PER_BATCH_SIZE: readonly (readonly [number, number, number])[] = [
  [1, 32, 3],
  [33, 96, 2],
  [97, 1024, 1],
];

/** Named modes for the CLI's --mode flag; each is the vLLM flags a user would run. */
export const MODE_PRESETS: Readonly<Record<string, ModeFlags>> = {
  fp16: { dtype: 'float16' },
  bf16: { dtype: 'bfloat16' },
  fp8: { quantization: 'fp8' },
  'fp8-kv': { dtype: 'float16', kvCacheDtype: 'fp8' },
  int8: { quantization: 'compressed-tensors', weights: 'Llama-3.1-8B-Instruct-quantized.w8a8' },
  int4: { quantization: 'awq_marlin' },
  'int4-awq': { quantization: 'awq_marlin' },
  'int4-gptq': { quantization: 'gptq_marlin' },
  awq: { quantization: 'awq' },
  gptq: { quantization: 'gptq' },
  nf4: { quantization: 'bitsandbytes' },
  'spec-ngram': { dtype: 'float16', speculative: { method: 'ngram', numSpeculativeTokens: 4 } },
  'spec-eagle': { dtype: 'float16', speculative: { method: 'eagle', numSpeculativeTokens: 3 } },
  'spec-eagle3': { dtype: 'float16', speculative: { method: 'eagle3', numSpeculativeTokens: 3 } },
  // vLLM 0.33's load-adaptive speculation: fewer drafts as the batch grows (docs/calibration.md, "Load-adaptive
  // speculation"). The strongest single mode to deploy instead of switching modes per request.
  'spec-eagle3-adaptive': {
    dtype: 'float16',
    speculative: { method: 'eagle3', numSpeculativeTokens: 3, numSpeculativeTokensPerBatchSize: EAGLE3_PER_BATCH_SIZE },
  },
  'spec-draft': {
    dtype: 'float16',
    speculative: { method: 'draft_model', numSpeculativeTokens: 4, model: 'meta-llama/Llama-3.2-1B-Instruct' },
  },
  'fp16-prefix': { dtype: 'float16', prefixCaching: true },
  'fp8-prefix': { quantization: 'fp8', prefixCaching: true },
  'int4-prefix': { quantization: 'gptq_marlin', prefixCaching: true },
};

/** Resolves a preset name, or explicit flags layered on a preset, into a mode profile. */
export function resolveMode(preset: string | undefined, overrides: ModeFlags = {}): ModeProfile {
  let base: ModeFlags = {};
  if (preset !== undefined) {
    const found = MODE_PRESETS[preset];
    if (!found) throw new Error(`unknown mode preset '${preset}'; known: ${Object.keys(MODE_PRESETS).join(', ')}`);
    base = found;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as ModeFlags;
  return profileFromModeFlags({ name: preset ?? 'custom', ...base, ...defined });
}
