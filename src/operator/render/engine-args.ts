import type { LoraModule } from '../../api/v1alpha1/adapters.js';
import { ENGINE_PORT, type ResolvedMode } from '../../api/v1alpha1/defaults.js';
import type { SpeculativeSpec } from '../../api/v1alpha1/types.js';

/** vLLM's --speculative-config JSON: the policy's camelCase fields in vLLM's snake_case. */
export function speculativeConfigJson(spec: SpeculativeSpec): string {
  const config: Record<string, unknown> = { method: spec.method, num_speculative_tokens: spec.numSpeculativeTokens };
  if (spec.model !== undefined) config['model'] = spec.model;
  if (spec.promptLookupMax !== undefined) config['prompt_lookup_max'] = spec.promptLookupMax;
  if (spec.promptLookupMin !== undefined) config['prompt_lookup_min'] = spec.promptLookupMin;
  if (spec.draftTensorParallelSize !== undefined) config['draft_tensor_parallel_size'] = spec.draftTensorParallelSize;
  if (spec.numSpeculativeTokensPerBatchSize !== undefined)
    config['num_speculative_tokens_per_batch_size'] = spec.numSpeculativeTokensPerBatchSize;
  if (spec.enableAdaptiveVerification !== undefined)
    config['enable_adaptive_verification'] = spec.enableAdaptiveVerification;
  return JSON.stringify(config);
}

/**
 * vLLM's LoRA flags for the adapters a mode's pods load: every one may be in a batch at once (--max-loras), and the
 * largest rank sizes the LoRA buffers (--max-lora-rank, which vLLM takes from a fixed set of values; validation
 * checked each rank against it).
 */
function loraArgs(loras: readonly LoraModule[]): string[] {
  if (loras.length === 0) return [];
  return [
    '--enable-lora',
    '--lora-modules',
    ...loras.map((l) => `${l.name}=${l.source}`),
    '--max-loras',
    String(loras.length),
    '--max-lora-rank',
    String(Math.max(...loras.map((l) => l.rank))),
  ];
}

/** Arguments of `vllm serve` for one mode. Pure; the order is stable so the rendered Deployment is too. */
export function engineArgs(servedModelName: string, mode: ResolvedMode, loras: readonly LoraModule[] = []): string[] {
  const args = [
    mode.weights,
    '--served-model-name',
    servedModelName,
    '--host',
    '0.0.0.0',
    '--port',
    String(ENGINE_PORT),
  ];
  if (mode.dtype) args.push('--dtype', mode.dtype);
  if (mode.quantization) args.push('--quantization', mode.quantization);
  if (mode.kvCacheDtype) args.push('--kv-cache-dtype', mode.kvCacheDtype);
  // vLLM's V1 engine caches prefixes by default; say it either way so a mode is exactly what the policy declares.
  args.push(mode.prefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching');
  if (mode.speculative) args.push('--speculative-config', speculativeConfigJson(mode.speculative));
  if (mode.maxModelLen !== undefined) args.push('--max-model-len', String(mode.maxModelLen));
  if (mode.gpuMemoryUtilization !== undefined) args.push('--gpu-memory-utilization', String(mode.gpuMemoryUtilization));
  const tp = mode.tensorParallelSize ?? (mode.gpus > 1 ? mode.gpus : undefined);
  if (tp !== undefined) args.push('--tensor-parallel-size', String(tp));
  return [...args, ...loraArgs(loras), ...mode.extraArgs];
}
