import { planMemory } from './memory.js';
import type { GpuSpec, ModeProfile, ModelSpec } from './types.js';

/** Where a starting vLLM reads its weights from. */
export type WeightSource = 'node-cache' | 'volume';

/**
 * Phases of a vLLM cold start (all **estimates** anchored on published totals; docs/calibration.md, "Idle, parking
 * and cold start"): the vLLM blog puts a full reload at 30-100+ s per switch and waking a sleeping engine at
 * 0.1-0.4 s; Kabakibo et al., "Breaking the Ice" (arXiv:2606.07362) find start-up mostly CPU-bound.
 */
export const COLD_START = {
  /** Python imports, engine and worker start-up, tokenizer, memory profiling (CPU-bound). */
  processInitSeconds: 15,
  /** Weight read rate: safetensors from local NVMe / page cache, or from a network volume. */
  weightBytesPerSecond: { 'node-cache': 5e9, volume: 0.5e9 } as Readonly<Record<WeightSource, number>>,
  /** torch.compile of the model graph: from vLLM's compile cache, or from scratch. */
  compileSecondsCached: 5,
  compileSecondsCold: 30,
  /** CUDA-graph capture for the default batch sizes. */
  cudaGraphCaptureSeconds: 10,
  /** Wake-up of an engine parked with vLLM sleep mode (weights kept in host memory, process alive). */
  sleepWakeSeconds: 0.4,
} as const;

export interface ColdStart {
  seconds: number;
  /** Energy of every GPU of the replica while it starts (idle-with-engine power: the GPUs mostly wait on the CPU). */
  joules: number;
  phases: { processInit: number; weightLoad: number; compile: number; cudaGraphs: number };
}

/** Time and energy to bring up one replica of a mode, from no process to ready. */
export function coldStart(
  gpu: GpuSpec,
  model: ModelSpec,
  profile: ModeProfile,
  tensorParallel: number,
  source: WeightSource,
  compileCached = source === 'node-cache',
): ColdStart {
  const weightBytes = planMemory(gpu, model, profile, tensorParallel).weightBytesPerGpu * tensorParallel;
  const phases = {
    processInit: COLD_START.processInitSeconds,
    // Every rank reads its own shard at once, each at the source's rate.
    weightLoad: weightBytes / tensorParallel / COLD_START.weightBytesPerSecond[source],
    compile: compileCached ? COLD_START.compileSecondsCached : COLD_START.compileSecondsCold,
    cudaGraphs: COLD_START.cudaGraphCaptureSeconds,
  };
  const seconds = phases.processInit + phases.weightLoad + phases.compile + phases.cudaGraphs;
  return { seconds, joules: seconds * gpu.idleWatts * tensorParallel, phases };
}
