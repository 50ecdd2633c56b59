import { gpuById } from '../model/gpus.js';
import { planMemory, KV_BLOCK_TOKENS, type MemoryPlan } from '../model/memory.js';
import { modelById } from '../model/models.js';
import { stepKernelBusyFraction, stepPowerWatts } from '../model/power.js';
import { createRng } from '../model/rng.js';
import { stepCost, type HardwareContext, type StepWork } from '../model/roofline.js';
import { ACCEPTANCE, sampleTokensPerStep } from '../model/speculative.js';
import type { GpuSpec, ModeProfile, ModelSpec, RequestType } from '../model/types.js';
import { PrefixCache } from './prefix-cache.js';
import type { CoreCounters, CoreEvent, CoreListener, CoreRequest, FinishReason, RequestResult, StepRecord } from './core-types.js';

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
  onStep?: (step: StepRecord) => void;
}

interface Sequence {
  req: CoreRequest;
  type: RequestType;
  arrival: number;
  scheduledAt?: number;
  firstTokenAt?: number;
  /** Tokens to prefill: the prompt, plus generated tokens after a recompute preemption. */
  prefillTarget: number;
  prefillDone: number;
  cachedTokens: number;
  generated: number;
  limit: number;
  kvBlocks: number;
  energy: number;
  preemptions: number;
  promptCounted: boolean;
  aborted: boolean;
}

interface PlannedWork {
  seq: Sequence;
  prefillChunk: number;
  decode: boolean;
}

interface InFlightStep {
  start: number;
  end: number;
  power: number;
  busyFraction: number;
  work: PlannedWork[];
  queryTokens: number;
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
  powerWatts(): number;
  /** Seconds with a kernel running, cumulative (per GPU; every GPU of a replica is equally busy). */
  busySeconds(): number;
  queueDepth(): number;
  runningCount(): number;
  kvCacheUsage(): number;
  counters(): CoreCounters;
}

function resultOf(seq: Sequence, time: number, reason: FinishReason): RequestResult {
  const result: RequestResult = {
    id: seq.req.id,
    promptTokens: seq.req.promptTokens,
    cachedPromptTokens: seq.cachedTokens,
    outputTokens: seq.generated,
    finishReason: reason,
    arrivalTime: seq.arrival,
    finishTime: time,
    energyJoules: seq.energy,
    preemptions: seq.preemptions,
  };
  if (seq.scheduledAt !== undefined) result.scheduledTime = seq.scheduledAt;
  if (seq.firstTokenAt !== undefined) result.firstTokenTime = seq.firstTokenAt;
  return result;
}

/** Creates a vLLM-like engine: iteration-level continuous batching, chunked prefill, paged KV blocks. */
export function createEngineCore(options: EngineCoreOptions): EngineCore {
  const gpu = typeof options.gpu === 'string' ? gpuById(options.gpu) : options.gpu;
  const model = typeof options.model === 'string' ? modelById(options.model) : options.model;
  const mode = options.mode;
  const tensorParallel = options.tensorParallel ?? 1;
  const hw: HardwareContext = { gpu, model, profile: mode, tensorParallel };
  const memory = planMemory(gpu, model, mode, tensorParallel, options.gpuMemoryUtilization);
  const capacityBlocks = memory.kvCapacityTokens / KV_BLOCK_TOKENS;
  const maxNumSeqs = options.maxNumSeqs ?? 256;
  const maxBatchedTokens = options.maxBatchedTokens ?? 8192;
  const random = createRng(options.seed ?? 0);
  const spec = mode.speculative;
  const tokensPerDecode = spec ? spec.numSpeculativeTokens + 1 : 1;
  const prefixCache = new PrefixCache();

  let now = options.startTime ?? 0;
  let energy = 0;
  let busy = 0;
  let usedBlocks = 0;
  let inFlight: InFlightStep | undefined;
  const waiting: Sequence[] = [];
  const running: Sequence[] = [];
  const byId = new Map<string, Sequence>();
  // Kept apart from byId so a request's `done` event still reaches its listener after the sequence is gone.
  const listeners = new Map<string, CoreListener>();
  const counters: CoreCounters = {
    promptTokens: 0, generationTokens: 0, prefixQueries: 0, prefixHits: 0, specDrafts: 0, specDraftTokens: 0,
    specAcceptedTokens: 0, specAcceptedPerPosition: new Array<number>(spec?.numSpeculativeTokens ?? 0).fill(0),
    preemptions: 0, finished: { stop: 0, length: 0, abort: 0 },
  };

  const blocksFor = (tokens: number): number => Math.ceil(tokens / KV_BLOCK_TOKENS);

  function integrate(to: number): void {
    const dt = to - now;
    if (dt <= 0) return;
    energy += (inFlight ? inFlight.power : gpu.idleWatts) * tensorParallel * dt;
    if (inFlight) busy += inFlight.busyFraction * dt;
    now = to;
  }

  function release(seq: Sequence): void {
    usedBlocks -= seq.kvBlocks;
    seq.kvBlocks = 0;
  }

  function growTo(seq: Sequence, tokens: number): boolean {
    const need = blocksFor(tokens) - seq.kvBlocks;
    if (need <= 0) return true;
    if (usedBlocks + need > capacityBlocks) return false;
    usedBlocks += need;
    seq.kvBlocks += need;
    prefixCache.evictTo(capacityBlocks - usedBlocks);
    return true;
  }

  /** Recompute preemption, as vLLM V1 does: free the KV and requeue at the front, prompt + output re-prefilled. */
  function preempt(victim: Sequence): void {
    running.splice(running.indexOf(victim), 1);
    release(victim);
    victim.prefillTarget = victim.req.promptTokens + victim.generated;
    victim.prefillDone = 0;
    victim.preemptions += 1;
    counters.preemptions += 1;
    waiting.unshift(victim);
  }

  function admitPrefix(seq: Sequence): void {
    if (!mode.prefixCaching || seq.scheduledAt !== undefined || !seq.req.blockHashes) return;
    const hits = prefixCache.matchLeading(seq.req.blockHashes);
    // vLLM always recomputes the last prompt token to produce logits.
    seq.cachedTokens = Math.min(hits * KV_BLOCK_TOKENS, seq.req.promptTokens - 1);
    seq.prefillDone = seq.cachedTokens;
    counters.prefixQueries += seq.req.promptTokens;
    counters.prefixHits += seq.cachedTokens;
  }

  function planRunning(budget: { tokens: number }, planned: PlannedWork[], events: CoreEvent[]): void {
    for (let i = 0; i < running.length && budget.tokens > 0; i += 1) {
      const seq = running[i]!;
      if (seq.prefillDone < seq.prefillTarget) {
        const chunk = Math.min(seq.prefillTarget - seq.prefillDone, budget.tokens);
        if (!growTo(seq, seq.prefillDone + chunk)) break;
        budget.tokens -= chunk;
        planned.push({ seq, prefillChunk: chunk, decode: false });
        continue;
      }
      const context = seq.req.promptTokens + seq.generated;
      let fits = growTo(seq, context + tokensPerDecode);
      while (!fits && running.length > 1) {
        // Lowest priority (latest admitted) goes first, possibly this sequence itself.
        const victim = running[running.length - 1]!;
        preempt(victim);
        if (victim === seq) break;
        fits = growTo(seq, context + tokensPerDecode);
      }
      if (!running.includes(seq)) break;
      if (!fits) {
        // Alone and still out of KV blocks: nothing left to preempt, so it stops at the cache's length limit.
        finish(seq, 'length', events);
        break;
      }
      budget.tokens -= tokensPerDecode;
      planned.push({ seq, prefillChunk: 0, decode: true });
    }
  }

  function planWaiting(budget: { tokens: number }, planned: PlannedWork[], events: CoreEvent[]): void {
    while (waiting.length > 0 && running.length < maxNumSeqs && budget.tokens > 0) {
      const seq = waiting[0]!;
      const resumeFrom = seq.prefillDone;
      admitPrefix(seq);
      const chunk = Math.min(seq.prefillTarget - seq.prefillDone, budget.tokens);
      if (!growTo(seq, seq.prefillDone + chunk)) {
        seq.prefillDone = resumeFrom;
        break;
      }
      waiting.shift();
      running.push(seq);
      if (seq.scheduledAt === undefined) {
        seq.scheduledAt = now;
        events.push({ type: 'scheduled', id: seq.req.id, time: now });
      }
      budget.tokens -= chunk;
      planned.push({ seq, prefillChunk: chunk, decode: false });
    }
  }

  function workOf(planned: PlannedWork[]): StepWork {
    const work: StepWork = { prefillTokens: 0, prefillAttention: 0, prefillSeqs: 0, decodeSeqs: 0, decodeContext: 0 };
    for (const p of planned) {
      if (p.decode) {
        work.decodeSeqs += 1;
        work.decodeContext += p.seq.req.promptTokens + p.seq.generated;
      } else {
        const start = p.seq.prefillDone;
        work.prefillTokens += p.prefillChunk;
        work.prefillSeqs += 1;
        work.prefillAttention += p.prefillChunk * start + (p.prefillChunk * (p.prefillChunk + 1)) / 2;
      }
    }
    return work;
  }

  function startStep(events: CoreEvent[]): void {
    const planned: PlannedWork[] = [];
    const budget = { tokens: maxBatchedTokens };
    planRunning(budget, planned, events);
    planWaiting(budget, planned, events);
    if (planned.length === 0) return;
    const cost = stepCost(hw, workOf(planned));
    const queryTokens = planned.reduce((s, p) => s + (p.decode ? tokensPerDecode : p.prefillChunk), 0);
    inFlight = {
      start: now, end: now + cost.seconds, power: stepPowerWatts(gpu, cost), busyFraction: stepKernelBusyFraction(cost),
      work: planned, queryTokens,
    };
  }

  function finish(seq: Sequence, reason: FinishReason, events: CoreEvent[]): void {
    const ri = running.indexOf(seq);
    if (ri >= 0) running.splice(ri, 1);
    const wi = waiting.indexOf(seq);
    if (wi >= 0) waiting.splice(wi, 1);
    release(seq);
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

  function decodeTokens(seq: Sequence): number {
    if (!spec) return 1;
    const alpha = ACCEPTANCE[spec.method][seq.type];
    const { tokens, accepted } = sampleTokensPerStep(alpha, spec.numSpeculativeTokens, random);
    counters.specDrafts += 1;
    counters.specDraftTokens += spec.numSpeculativeTokens;
    counters.specAcceptedTokens += accepted;
    for (let p = 0; p < accepted; p += 1) counters.specAcceptedPerPosition[p] = (counters.specAcceptedPerPosition[p] ?? 0) + 1;
    return tokens;
  }

  function completePrefill(seq: Sequence, events: CoreEvent[]): void {
    if (!seq.promptCounted) {
      seq.promptCounted = true;
      counters.promptTokens += seq.req.promptTokens;
      if (mode.prefixCaching && seq.req.blockHashes) prefixCache.insert(seq.req.blockHashes, capacityBlocks - usedBlocks);
    }
    emitTokens(seq, 1, events);
  }

  function commitStep(step: InFlightStep, events: CoreEvent[]): void {
    const stepEnergy = step.power * tensorParallel * (step.end - step.start);
    let prefillTokens = 0;
    let decoded = 0;
    for (const p of step.work) {
      const seq = p.seq;
      if (seq.aborted) continue;
      seq.energy += (stepEnergy * (p.decode ? tokensPerDecode : p.prefillChunk)) / step.queryTokens;
      if (p.decode) {
        const n = Math.min(decodeTokens(seq), seq.limit - seq.generated);
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
    options.onStep?.({ start: step.start, end: step.end, prefillTokens, decodeTokens: decoded, powerWatts: step.power });
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
    gpu, model, mode, tensorParallel, memory,
    now: () => now,
    submit(request, listener) {
      if (byId.has(request.id)) throw new Error(`request id '${request.id}' is already in flight`);
      if (request.promptTokens < 1) throw new Error('a request needs at least one prompt token');
      if (request.promptTokens + 1 > memory.kvCapacityTokens) {
        throw new Error(`prompt of ${request.promptTokens} tokens exceeds the KV cache capacity of ${memory.kvCapacityTokens} tokens`);
      }
      const seq: Sequence = {
        req: request, type: request.requestType ?? 'chat', arrival: now, prefillTarget: request.promptTokens,
        prefillDone: 0, cachedTokens: 0, generated: 0, limit: Math.max(1, Math.min(request.outputTokens, request.maxTokens)),
        kvBlocks: 0, energy: 0, preemptions: 0, promptCounted: false, aborted: false,
      };
      byId.set(request.id, seq);
      listeners.set(request.id, listener);
      waiting.push(seq);
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
        if (!inFlight && (waiting.length > 0 || running.length > 0)) startStep(events);
        deliver(events);
        if (!inFlight || inFlight.end > time) break;
      }
      integrate(time);
    },
    nextEventTime() {
      if (inFlight) return inFlight.end;
      return waiting.length > 0 || running.length > 0 ? now : undefined;
    },
    runUntilIdle(maxTime = Number.POSITIVE_INFINITY) {
      for (let next = core.nextEventTime(); next !== undefined && next <= maxTime; next = core.nextEventTime()) {
        core.advanceTo(next);
      }
    },
    energyJoules: () => energy,
    powerWatts: () => (inFlight ? inFlight.power : gpu.idleWatts),
    busySeconds: () => busy,
    queueDepth: () => waiting.length,
    runningCount: () => running.length,
    kvCacheUsage: () => usedBlocks / capacityBlocks,
    counters: () => ({ ...counters, specAcceptedPerPosition: [...counters.specAcceptedPerPosition], finished: { ...counters.finished } }),
  };
  return core;
}
