import { gpuMemoryBytes } from './gpus.js';
import { kvBytesPerToken, lmHeadParams } from './models.js';
import { weightBytesPerPass } from './roofline.js';
import { drafterOf } from './speculative.js';
import type { GpuSpec, ModeProfile, ModelSpec } from './types.js';

/** vLLM's default --gpu-memory-utilization. */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
/** Activation / CUDA-graph workspace vLLM keeps out of the KV pool, bytes per GPU (profiled at start-up). */
export const ACTIVATION_RESERVE_BYTES = 2 * 1024 ** 3;
/** CUDA context and allocator overhead outside PyTorch's pool, bytes per GPU. */
export const CUDA_CONTEXT_BYTES = 0.5 * 1024 ** 3;
/** vLLM's KV-cache block size in tokens. */
export const KV_BLOCK_TOKENS = 16;

export interface MemoryPlan {
  /** Resident weights per GPU, bytes (input embeddings included). */
  weightBytesPerGpu: number;
  kvBytesPerToken: number;
  /** KV-cache capacity of the engine in tokens (whole blocks). */
  kvCapacityTokens: number;
  /** Framebuffer in use per GPU once vLLM has started, MiB (what DCGM_FI_DEV_FB_USED shows). */
  framebufferUsedMiB: number;
}

/** Plans GPU memory like vLLM does at start-up, or throws if the weights do not fit. */
export function planMemory(
  gpu: GpuSpec,
  model: ModelSpec,
  profile: ModeProfile,
  tensorParallel: number,
  gpuMemoryUtilization = DEFAULT_GPU_MEMORY_UTILIZATION,
): MemoryPlan {
  const perGpuBudget = gpuMemoryBytes(gpu) * gpuMemoryUtilization;
  // A speculative mode's drafter keeps 16-bit weights and its own layers' KV in the same pool (vLLM shards it with
  // the target's tensor parallelism).
  const drafter = profile.speculative ? drafterOf(profile.speculative, model) : undefined;
  const weights =
    (weightBytesPerPass(model, profile) + lmHeadParams(model) * 2 + (drafter?.residentParams ?? 0) * 2) /
    tensorParallel;
  const kvPerToken = kvBytesPerToken(model, profile.kvBytesPerElement) + (drafter?.kvBytesPerToken ?? 0);
  const free = (perGpuBudget - weights - ACTIVATION_RESERVE_BYTES) * tensorParallel;
  const blocks = Math.floor(free / (kvPerToken * KV_BLOCK_TOKENS));
  if (blocks < 1) {
    const need = ((weights * tensorParallel) / 1e9).toFixed(1);
    throw new Error(
      `${model.hfName} in mode '${profile.name}' needs ${need} GB of weights, more than ${tensorParallel} x ${gpu.id} hold at ` +
        `gpu-memory-utilization ${gpuMemoryUtilization}; use more GPUs (tensor parallel) or a quantized mode`,
    );
  }
  return {
    weightBytesPerGpu: weights,
    kvBytesPerToken: kvPerToken,
    kvCapacityTokens: blocks * KV_BLOCK_TOKENS,
    framebufferUsedMiB: Math.round((perGpuBudget + CUDA_CONTEXT_BYTES) / 1024 ** 2),
  };
}
