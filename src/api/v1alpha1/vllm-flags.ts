import type { ResolvedMode } from './defaults.js';
import type { SpeculativeSpec } from './types.js';

/**
 * vLLM's --speculative-config key for each SpeculativeSpec field, in the order the operator writes them (a new order
 * would change every rendered speculative Deployment, and so roll its pods).
 */
export const SPECULATIVE_KEYS: Readonly<Record<keyof SpeculativeSpec, string>> = {
  method: 'method',
  numSpeculativeTokens: 'num_speculative_tokens',
  model: 'model',
  promptLookupMax: 'prompt_lookup_max',
  promptLookupMin: 'prompt_lookup_min',
  draftTensorParallelSize: 'draft_tensor_parallel_size',
  numSpeculativeTokensPerBatchSize: 'num_speculative_tokens_per_batch_size',
  enableAdaptiveVerification: 'enable_adaptive_verification',
};

/** vLLM's --speculative-config JSON: the policy's camelCase fields in vLLM's snake_case. */
export function speculativeConfigJson(spec: SpeculativeSpec): string {
  const config: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(SPECULATIVE_KEYS) as [keyof SpeculativeSpec, string][])
    if (spec[field] !== undefined) config[key] = spec[field];
  return JSON.stringify(config);
}

/**
 * What a mode runs, in vLLM's terms: its weights, number formats, prefix caching and speculative decoding. The one
 * reading of a policy mode as vLLM flags: the operator renders them as `vllm serve` arguments (modeServeArgs), the
 * performance model derives the mode's profile from them.
 */
export interface ModeEngineFlags {
  /** The checkpoint `vllm serve` loads (its positional model argument). */
  weights: string;
  dtype?: string;
  quantization?: string;
  kvCacheDtype?: string;
  prefixCaching: boolean;
  speculative?: SpeculativeSpec;
}

export function modeEngineFlags(mode: ResolvedMode): ModeEngineFlags {
  const flags: ModeEngineFlags = { weights: mode.weights, prefixCaching: mode.prefixCaching };
  if (mode.dtype) flags.dtype = mode.dtype;
  if (mode.quantization) flags.quantization = mode.quantization;
  if (mode.kvCacheDtype) flags.kvCacheDtype = mode.kvCacheDtype;
  if (mode.speculative) flags.speculative = mode.speculative;
  return flags;
}

/** The `vllm serve` arguments of a mode's engine flags (the weights aside), in a stable order. */
export function modeServeArgs(flags: ModeEngineFlags): string[] {
  const args: string[] = [];
  if (flags.dtype) args.push('--dtype', flags.dtype);
  if (flags.quantization) args.push('--quantization', flags.quantization);
  if (flags.kvCacheDtype) args.push('--kv-cache-dtype', flags.kvCacheDtype);
  // vLLM's V1 engine caches prefixes by default; say it either way so a mode is exactly what the policy declares.
  args.push(flags.prefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching');
  if (flags.speculative) args.push('--speculative-config', speculativeConfigJson(flags.speculative));
  return args;
}
