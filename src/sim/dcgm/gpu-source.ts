import type { EngineCore } from '../engine/core.js';
import type { GpuTelemetry, SimEngine } from '../engine/server.js';
import type { GpuSpec } from '../../model/types.js';

/** What the exporter needs from one engine replica: its GPUs, their readings, and the pod it runs in. */
export interface DcgmGpuSource {
  gpu: GpuSpec;
  gpuCount: number;
  framebufferUsedMiB: number;
  telemetry(): GpuTelemetry;
  pod?: string;
  namespace?: string;
  container?: string;
}

/** GPUs of a running simulated engine, labelled with its pod and namespace (dcgm-exporter's Kubernetes mapping). */
export function gpuSourceFromEngine(engine: SimEngine, container = 'vllm'): DcgmGpuSource {
  const source: DcgmGpuSource = {
    gpu: engine.core.gpu,
    gpuCount: engine.core.tensorParallel,
    framebufferUsedMiB: engine.core.memory.framebufferUsedMiB,
    telemetry: () => engine.telemetry(),
  };
  if (engine.podName)
    Object.assign(source, { pod: engine.podName, namespace: engine.namespace ?? 'default', container });
  return source;
}

/** GPUs of a bare engine core (benchmarks and tests that drive simulated time by hand). */
export function gpuSourceFromCore(core: EngineCore): DcgmGpuSource {
  return {
    gpu: core.gpu,
    gpuCount: core.tensorParallel,
    framebufferUsedMiB: core.memory.framebufferUsedMiB,
    telemetry: () => ({
      timeSeconds: core.now(),
      energyJoules: core.energyJoules(),
      idleEnergyJoules: core.idleEnergyJoules(),
      busySeconds: core.busySeconds(),
      powerWattsPerGpu: core.powerWatts(),
    }),
  };
}
