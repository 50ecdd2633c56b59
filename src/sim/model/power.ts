import type { GpuSpec } from './types.js';
import type { StepCost } from './roofline.js';

/**
 * Share of the idle-to-limit power range drawn per second of tensor-bound work and per second of bandwidth-bound
 * work. Compute-bound prefill runs at the board limit; bandwidth-bound decode draws well below it (Splitwise,
 * Patel et al. ISCA 2024; DynamoLLM, Stojkovic et al. HPCA 2025). Host overhead time draws idle power.
 */
export const COMPUTE_POWER_WEIGHT = 1.0;
export const MEMORY_POWER_WEIGHT = 0.35;

/** Average board power over one iteration, watts (between idle and the board limit). */
export function stepPowerWatts(gpu: GpuSpec, cost: StepCost): number {
  if (cost.seconds <= 0) return gpu.idleWatts;
  const busy = cost.computeSeconds * COMPUTE_POWER_WEIGHT + (cost.memorySeconds + cost.draftSeconds) * MEMORY_POWER_WEIGHT;
  const activity = Math.min(1, busy / cost.seconds);
  return gpu.idleWatts + (gpu.maxWatts - gpu.idleWatts) * activity;
}

/** Fraction of an iteration during which a kernel runs (what NVML reports as GPU utilisation). */
export function stepKernelBusyFraction(cost: StepCost): number {
  if (cost.seconds <= 0) return 0;
  return Math.min(1, (cost.seconds - cost.overheadSeconds * 0.5) / cost.seconds);
}

/** Idle and full-power die temperatures, °C (air/liquid cooled data-centre boards). */
export const IDLE_TEMP_C = 30;
export const MAX_TEMP_C = 75;

/** Steady-state GPU temperature for an average power draw, linear in power. */
export function temperatureC(gpu: GpuSpec, averageWatts: number): number {
  const share = Math.max(0, Math.min(1, (averageWatts - gpu.idleWatts) / (gpu.maxWatts - gpu.idleWatts)));
  return IDLE_TEMP_C + (MAX_TEMP_C - IDLE_TEMP_C) * share;
}
