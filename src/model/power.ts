import {
  ENGINE_CALIBRATION,
  TENSOR_PARALLEL_CALIBRATION,
  type EngineCalibration,
  type TensorParallelCalibration,
} from './calibration.js';
import type { GpuSpec } from './types.js';
import type { StepCost } from './roofline.js';

/**
 * Average board power over one iteration, watts: idle plus the share of the idle-to-limit range that the
 * iteration's tensor-bound, bandwidth-bound and overhead seconds draw (weights fitted to measured vLLM runs,
 * src/model/calibration.ts), capped at the board limit.
 */
export function stepPowerWatts(
  gpu: GpuSpec,
  cost: StepCost,
  calibration: EngineCalibration = ENGINE_CALIBRATION,
  tensorParallel: TensorParallelCalibration = TENSOR_PARALLEL_CALIBRATION,
): number {
  if (cost.seconds <= 0) return gpu.idleWatts;
  const busy =
    cost.computeSeconds * calibration.computePowerWeight +
    // The drafter and the LoRA shrink/expand kernels are small, bandwidth-bound launches.
    (cost.memorySeconds + cost.draftSeconds + cost.loraSeconds) * calibration.memoryPowerWeight +
    cost.overheadSeconds * calibration.overheadPowerWeight +
    // GPUs waiting on each other's all-reduce draw little above idle.
    cost.communicationSeconds * tensorParallel.communicationPowerWeight;
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
