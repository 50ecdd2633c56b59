import type { KernelFamily } from './types.js';

/** Achieved fractions of the roofline for a kernel family: memory = of peak bandwidth, compute = of tensor peak. */
export interface KernelEfficiency {
  memory: number;
  compute: number;
}

/**
 * Kernel efficiencies (sources and reasoning in docs/calibration.md, section "Kernel efficiency").
 * Marlin keeps 4-bit decode near the bandwidth ideal but dequantises on the fly, so its large-batch / prefill
 * throughput is below cuBLAS FP16; the older AWQ GEMM, exllama GPTQ and bitsandbytes kernels are weaker still.
 */
export const KERNEL_EFFICIENCY: Readonly<Record<KernelFamily, KernelEfficiency>> = {
  dense: { memory: 0.8, compute: 0.7 },
  'fp8-w8a8': { memory: 0.8, compute: 0.6 },
  'int8-w8a8': { memory: 0.8, compute: 0.6 },
  marlin: { memory: 0.78, compute: 0.55 },
  'awq-gemm': { memory: 0.55, compute: 0.35 },
  'gptq-exllama': { memory: 0.6, compute: 0.4 },
  bitsandbytes: { memory: 0.35, compute: 0.25 },
};
