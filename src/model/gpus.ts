import type { GpuSpec } from './types.js';

const GiB = 1024 ** 3;
const T = 1e12;
const GBs = 1e9;

/**
 * GPU catalogue. Bandwidth and dense tensor peaks from NVIDIA datasheets; idle (engine loaded) and parked (no
 * process) power from dcgm-exporter / nvidia-smi observations of idle boards, labelled estimates where no single
 * source exists; sources per row in docs/calibration.md.
 */
export const GPUS: Readonly<Record<string, GpuSpec>> = {
  'a100-40gb': {
    id: 'a100-40gb',
    modelName: 'NVIDIA A100-SXM4-40GB',
    memoryGiB: 40,
    memoryBandwidth: 1555 * GBs,
    fp16Flops: 312 * T,
    fp8Flops: 0,
    int8Ops: 624 * T,
    idleWatts: 55,
    parkedWatts: 45,
    maxWatts: 400,
  },
  'a100-80gb': {
    id: 'a100-80gb',
    modelName: 'NVIDIA A100-SXM4-80GB',
    memoryGiB: 80,
    memoryBandwidth: 2039 * GBs,
    fp16Flops: 312 * T,
    fp8Flops: 0,
    int8Ops: 624 * T,
    idleWatts: 60,
    parkedWatts: 50,
    maxWatts: 400,
  },
  'h100-80gb': {
    id: 'h100-80gb',
    modelName: 'NVIDIA H100 80GB HBM3',
    memoryGiB: 80,
    memoryBandwidth: 3350 * GBs,
    fp16Flops: 989 * T,
    fp8Flops: 1979 * T,
    int8Ops: 1979 * T,
    idleWatts: 100,
    parkedWatts: 67,
    maxWatts: 700,
  },
  h200: {
    id: 'h200',
    modelName: 'NVIDIA H200',
    memoryGiB: 141,
    memoryBandwidth: 4800 * GBs,
    fp16Flops: 989 * T,
    fp8Flops: 1979 * T,
    int8Ops: 1979 * T,
    idleWatts: 100,
    parkedWatts: 70,
    maxWatts: 700,
  },
  l40s: {
    id: 'l40s',
    modelName: 'NVIDIA L40S',
    memoryGiB: 48,
    memoryBandwidth: 864 * GBs,
    fp16Flops: 362 * T,
    fp8Flops: 733 * T,
    int8Ops: 733 * T,
    idleWatts: 35,
    parkedWatts: 30,
    maxWatts: 350,
  },
};

export function gpuById(id: string): GpuSpec {
  const gpu = GPUS[id];
  if (!gpu) throw new Error(`unknown GPU '${id}'; known: ${Object.keys(GPUS).join(', ')}`);
  return gpu;
}

export function gpuMemoryBytes(gpu: GpuSpec): number {
  return gpu.memoryGiB * GiB;
}
