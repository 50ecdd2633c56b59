import type { LoraModule } from '../../api/v1alpha1/adapters.js';
import { ENGINE_PORT, type ResolvedMode } from '../../api/v1alpha1/defaults.js';
import { modeEngineFlags, modeServeArgs } from '../../api/v1alpha1/vllm-flags.js';

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
  const flags = modeEngineFlags(mode);
  const args = [
    flags.weights,
    '--served-model-name',
    servedModelName,
    '--host',
    '0.0.0.0',
    '--port',
    String(ENGINE_PORT),
    ...modeServeArgs(flags),
  ];
  if (mode.maxModelLen !== undefined) args.push('--max-model-len', String(mode.maxModelLen));
  if (mode.gpuMemoryUtilization !== undefined) args.push('--gpu-memory-utilization', String(mode.gpuMemoryUtilization));
  const tp = mode.tensorParallelSize ?? (mode.gpus > 1 ? mode.gpus : undefined);
  if (tp !== undefined) args.push('--tensor-parallel-size', String(tp));
  return [...args, ...loraArgs(loras), ...mode.extraArgs];
}
