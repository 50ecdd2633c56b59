import { ENGINE_CALIBRATION, type EngineCalibration, type TensorParallelCalibration } from '../../model/calibration.js';
import { gpuById } from '../../model/gpus.js';
import { planMemory, KV_BLOCK_TOKENS, type MemoryPlan } from '../../model/memory.js';
import { modelById } from '../../model/models.js';
import { createRng } from '../../model/rng.js';
import type { HardwareContext } from '../../model/roofline.js';
import { acceptanceByPosition, draftTokensAtBatch, sampleTokensPerStep } from '../../model/speculative.js';
import type { GpuSpec, ModeProfile, ModelSpec } from '../../model/types.js';
import type { CoreCounters, CoreEvent, CoreListener, CoreRequest, FinishReason, StepRecord } from './core-types.js';
import { EnergyMeter } from './energy-meter.js';
import { startIteration, type Iteration } from './iteration.js';
import { KvBlockPool } from './kv-blocks.js';
import { Scheduler } from './scheduler.js';
import { newSequence, resultOf, type Sequence } from './sequence.js';

export interface EngineCoreOptions {
  gpu: GpuSpec | string;
  model: ModelSpec | string;
  mode: ModeProfile;
  /** GPUs per replica (vLLM --tensor-parallel-size). */
  tensorParallel?: number;
  seed?: number;
  /** vLLM --max-num-seqs. */
  maxNumSeqs?: number;
  /** vLLM --max-num-batched-tokens (chunked prefill budget per iteration). */
  maxBatchedTokens?: number;
  gpuMemoryUtilization?: number;
  /** Simulated time the core starts at, seconds. */
  startTime?: number;
  /** Engine-model constants to use instead of the fitted ones (calibration runs only). */
  calibration?: EngineCalibration;
  /** Tensor-parallel constants to use instead of the fitted ones (calibration runs only). */
  tensorParallelCalibration?: TensorParallelCalibration;
  onStep?: (step: StepRecord) => void;
}

/** Public face of the discrete-event engine: submit requests, advance simulated time, read state. */
export interface EngineCore {
  readonly gpu: GpuSpec;
  readonly model: ModelSpec;
  readonly mode: ModeProfile;
  readonly tensorParallel: number;
  readonly memory: MemoryPlan;
  /** Current simulated time, seconds. */
  now(): number;
  /** Queues a request at the current time; throws if it can never fit the KV cache. */
  submit(request: CoreRequest, listener: CoreListener): void;
  /** Aborts a waiting or running request; emits its `done` event. Returns false if unknown. */
  abort(id: string): boolean;
  /** Runs every iteration that ends at or before `time`, then moves the clock to `time`. */
  advanceTo(time: number): void;
  /** Time of the next state change, or undefined when idle with nothing queued. */
  nextEventTime(): number | undefined;
  /** Advances until no request is left (bounded by `maxTime`). */
  runUntilIdle(maxTime?: number): void;
  energyJoules(): number;
  /** The part of energyJoules drawn while no iteration ran (the GPUs idle). */
  idleEnergyJoules(): number;
  powerWatts(): number;
  /** Seconds with a kernel running, cumulative (per GPU; every GPU of a replica is equally busy). */
  busySeconds(): number;
  queueDepth(): number;
  runningCount(): number;
  kvCacheUsage(): number;
  counters(): CoreCounters;
}

/**
 * Creates a vLLM-like engine: iteration-level continuous batching, chunked prefill, paged KV blocks. The parts live
 * in their own modules (scheduler.ts plans iterations, iteration.ts times and prices them, kv-blocks.ts and
 * energy-meter.ts keep the accounts); this closure moves simulated time and turns finished iterations into tokens.
 */
export function createEngineCore(options: EngineCoreOptions): EngineCore {
  const gpu = typeof options.gpu === 'string' ? gpuById(options.gpu) : options.gpu;
  const model = typeof options.model === 'string' ? modelById(options.model) : options.model;
  const mode = options.mode;
  const tensorParallel = options.tensorParallel ?? 1;
  const hw: HardwareContext = {
    gpu,
    model,
    profile: mode,
    tensorParallel,
    calibration: options.calibration ?? ENGINE_CALIBRATION,
    ...(options.tensorParallelCalibration ? { tensorParallelCalibration: options.tensorParallelCalibration } : {}),
  };
  const memory = planMemory(gpu, model, mode, tensorParallel, options.gpuMemoryUtilization);
  const random = createRng(options.seed ?? 0);
  const spec = mode.speculative;
  const tokensPerDecode = spec ? spec.numSpeculativeTokens + 1 : 1;
  const counters: CoreCounters = {
    promptTokens: 0,
    generationTokens: 0,
    prefixQueries: 0,
    prefixHits: 0,
    specDrafts: 0,
    specDraftTokens: 0,
    specAcceptedTokens: 0,
    specAcceptedPerPosition: new Array<number>(spec?.numSpeculativeTokens ?? 0).fill(0),
    preemptions: 0,
    finished: { stop: 0, length: 0, abort: 0 },
  };
  const kv = new KvBlockPool(memory.kvCapacityTokens / KV_BLOCK_TOKENS);
  const scheduler = new Scheduler({
    maxNumSeqs: options.maxNumSeqs ?? 256,
    maxBatchedTokens: options.maxBatchedTokens ?? 8192,
    tokensPerDecode,
    prefixCaching: mode.prefixCaching,
    kv,
    counters,
  });
  const meter = new EnergyMeter(gpu.idleWatts, tensorParallel);

  let now = options.startTime ?? 0;
  let inFlight: Iteration | undefined;
  const byId = new Map<string, Sequence>();
  // Kept apart from byId so a request's `done` event still reaches its listener after the sequence is gone.
  const listeners = new Map<string, CoreListener>();

  function integrate(to: number): void {
    const dt = to - now;
    if (dt <= 0) return;
    meter.add(dt, inFlight);
    now = to;
  }

  function startStep(events: CoreEvent[]): void {
    const planned = scheduler.plan(now, events, (seq) => finish(seq, 'length', events));
    // vLLM looks its per-batch-size schedule up with the number of requests scheduled in the step.
    const draftTokens = spec ? draftTokensAtBatch(spec, planned.length) : 0;
    if (planned.length > 0) inFlight = startIteration(hw, planned, draftTokens, now);
  }

  function finish(seq: Sequence, reason: FinishReason, events: CoreEvent[]): void {
    scheduler.remove(seq);
    kv.release(seq);
    byId.delete(seq.req.id);
    counters.finished[reason] += 1;
    events.push({ type: 'done', id: seq.req.id, time: now, result: resultOf(seq, now, reason) });
  }

  function emitTokens(seq: Sequence, count: number, events: CoreEvent[]): void {
    const first = seq.firstTokenAt === undefined;
    if (first) seq.firstTokenAt = now;
    seq.generated += count;
    counters.generationTokens += count;
    events.push({ type: 'tokens', id: seq.req.id, time: now, count, first, totalOutput: seq.generated });
  }

  function decodeTokens(seq: Sequence, draftTokens: number): number {
    if (!spec || draftTokens === 0) return 1;
    const alphas = acceptanceByPosition(spec.method, draftTokens, { type: seq.type, temperature: seq.req.temperature });
    const { tokens, accepted } = sampleTokensPerStep(alphas, random);
    counters.specDrafts += 1;
    counters.specDraftTokens += draftTokens;
    counters.specAcceptedTokens += accepted;
    for (let p = 0; p < accepted; p += 1)
      counters.specAcceptedPerPosition[p] = (counters.specAcceptedPerPosition[p] ?? 0) + 1;
    return tokens;
  }

  function completePrefill(seq: Sequence, events: CoreEvent[]): void {
    if (!seq.promptCounted) {
      seq.promptCounted = true;
      counters.promptTokens += seq.req.promptTokens;
      if (mode.prefixCaching && seq.req.blockHashes) kv.insertPrefix(seq.req.blockHashes);
    }
    emitTokens(seq, 1, events);
  }

  /** Applies a finished iteration: each sequence's share of its energy, its prompt progress or new tokens. */
  function commitStep(step: Iteration, events: CoreEvent[]): void {
    const stepEnergy = step.power * tensorParallel * (step.end - step.start);
    let prefillTokens = 0;
    let decoded = 0;
    for (const p of step.work) {
      const seq = p.seq;
      if (seq.aborted) continue;
      seq.energy += (stepEnergy * (p.decode ? step.draftTokens + 1 : p.prefillChunk)) / step.queryTokens;
      if (p.decode) {
        const n = Math.min(decodeTokens(seq, step.draftTokens), seq.limit - seq.generated);
        decoded += n;
        emitTokens(seq, n, events);
      } else {
        seq.prefillDone += p.prefillChunk;
        prefillTokens += p.prefillChunk;
        if (seq.prefillDone >= seq.prefillTarget) completePrefill(seq, events);
      }
      if (seq.generated >= seq.limit) {
        const stopped = seq.req.outputTokens <= seq.req.maxTokens && seq.generated >= seq.req.outputTokens;
        finish(seq, stopped ? 'stop' : 'length', events);
      }
    }
    options.onStep?.({
      start: step.start,
      end: step.end,
      prefillTokens,
      decodeTokens: decoded,
      powerWatts: step.power,
      cost: step.cost,
    });
  }

  /** Calls listeners after the state change is complete, so a listener may submit or abort re-entrantly. */
  function deliver(events: CoreEvent[]): void {
    for (const event of events) {
      const listener = listeners.get(event.id);
      if (event.type === 'done') listeners.delete(event.id);
      listener?.(event);
    }
  }

  const core: EngineCore = {
    gpu,
    model,
    mode,
    tensorParallel,
    memory,
    now: () => now,
    submit(request, listener) {
      if (byId.has(request.id)) throw new Error(`request id '${request.id}' is already in flight`);
      if (request.promptTokens < 1) throw new Error('a request needs at least one prompt token');
      if (request.promptTokens + 1 > memory.kvCapacityTokens) {
        throw new Error(
          `prompt of ${request.promptTokens} tokens exceeds the KV cache capacity of ${memory.kvCapacityTokens} tokens`,
        );
      }
      const seq = newSequence(request, now);
      byId.set(request.id, seq);
      listeners.set(request.id, listener);
      scheduler.enqueue(seq);
    },
    abort(id) {
      const seq = byId.get(id);
      if (!seq) return false;
      seq.aborted = true;
      const events: CoreEvent[] = [];
      finish(seq, 'abort', events);
      deliver(events);
      return true;
    },
    advanceTo(time) {
      for (;;) {
        const events: CoreEvent[] = [];
        if (inFlight && inFlight.end <= time) {
          const step = inFlight;
          integrate(step.end);
          inFlight = undefined;
          commitStep(step, events);
        }
        if (!inFlight && scheduler.hasWork()) startStep(events);
        deliver(events);
        if (!inFlight || inFlight.end > time) break;
      }
      integrate(time);
    },
    nextEventTime() {
      if (inFlight) return inFlight.end;
      return scheduler.hasWork() ? now : undefined;
    },
    runUntilIdle(maxTime = Number.POSITIVE_INFINITY) {
      for (let next = core.nextEventTime(); next !== undefined && next <= maxTime; next = core.nextEventTime()) {
        core.advanceTo(next);
      }
    },
    energyJoules: () => meter.energyJoules(),
    idleEnergyJoules: () => meter.idleEnergyJoules(),
    powerWatts: () => (inFlight ? inFlight.power : gpu.idleWatts),
    busySeconds: () => meter.busySeconds(),
    queueDepth: () => scheduler.waiting.length,
    runningCount: () => scheduler.running.length,
    kvCacheUsage: () => kv.usage(),
    counters: () => ({
      ...counters,
      specAcceptedPerPosition: [...counters.specAcceptedPerPosition],
      finished: { ...counters.finished },
    }),
  };
  return core;
}
