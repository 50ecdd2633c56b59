/** Public API of the simulator: pure model, discrete-event engine core, vLLM-compatible server, dcgm exporter. */
export { GPUS, gpuById } from '../model/gpus.js';
export { MODELS, modelById, blockParams, totalParams, kvBytesPerToken } from '../model/models.js';
export { profileFromModeFlags, type ModeFlags } from '../model/mode-profile.js';
export { MODE_PRESETS, resolveMode } from '../model/mode-presets.js';
export { QUALITY_DELTA_POINTS, qualityDeltaPoints } from '../model/quality.js';
export { acceptanceByPosition, expectedTokensPerStep } from '../model/speculative.js';
export { stepCost, weightBytesPerPass, type StepWork, type StepCost, type HardwareContext } from '../model/roofline.js';
export { stepPowerWatts } from '../model/power.js';
export { planMemory, type MemoryPlan } from '../model/memory.js';
export { sampleOutputTokens, OUTPUT_LENGTH } from '../model/output-length.js';
export { createRng } from '../model/rng.js';
export {
  REQUEST_TYPES,
  isRequestType,
  type RequestType,
  type GpuSpec,
  type ModelSpec,
  type ModeProfile,
} from '../model/types.js';
export { createEngineCore, type EngineCore, type EngineCoreOptions } from './engine/core.js';
export type {
  CoreRequest,
  CoreEvent,
  CoreListener,
  RequestResult,
  FinishReason,
  CoreCounters,
  StepRecord,
} from './engine/core-types.js';
export {
  startSimEngine,
  type SimEngine,
  type SimEngineOptions,
  type EngineFault,
  type GpuTelemetry,
} from './engine/server.js';
export { REQUEST_TYPE_HEADER } from './engine/request-handler.js';
export { startDcgmExporter, type DcgmExporter, type DcgmExporterOptions } from './dcgm/exporter.js';
export { gpuSourceFromEngine, gpuSourceFromCore, type DcgmGpuSource } from './dcgm/gpu-source.js';
export { runClosedLoop, type ClosedLoopOptions } from './workload/closed-loop.js';
export { replayArrivals, type TimedRequest } from './workload/replay.js';
export { summarise, type WorkloadSummary } from './workload/summary.js';
export { runWhatIf, formatWhatIf, type WhatIfOptions, type WhatIfRow } from './workload/what-if.js';
