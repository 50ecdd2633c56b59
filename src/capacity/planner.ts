import { burstNeed, burstReason, STABLE_WINDOW_SECONDS, ttftMissed, ttftReason, type RecentTraffic } from './burst.js';
import type { ModeModel } from '../model/mode-model.js';
import { FILL_DOWN, FILL_UP, replicasFor, type LatencyTarget } from './sizing.js';
import type { ObservedTtft } from './ttft-histogram.js';

/** What one mode saw over the planner's windows (burst.ts): the stable one, and the short one for bursts. */
export interface ModeDemand {
  /** Requests per second the router sent to this mode over the stable window. */
  requestsPerSecond: number;
  /** Requests per second the router wanted to send here but served elsewhere (the mode was cold or full). */
  wantedPerSecond: number;
  meanPromptTokens: number;
  meanOutputTokens: number;
  /** Requests on the mode's pods now. */
  inFlight: number;
  /** Routed and wanted traffic over the short window only; undefined before there is one. */
  recent?: RecentTraffic;
  /** The routers' p95 time to first token of the mode over the stable window; undefined without first tokens. */
  observedTtft?: ObservedTtft;
}

export interface PlannerMode {
  name: string;
  model: ModeModel;
  /** A mode with a fixed size (spec.modes[].replicas): the planner reports it and never changes it. */
  fixedReplicas?: number;
  minReplicas: number;
  maxReplicas: number;
  /** Replicas asked for now: ready ones and those still starting (counted as on their way). */
  replicas: number;
  ready: number;
  demand: ModeDemand;
}

export interface PlannerInput {
  /** Seconds on any monotonic clock; only differences matter. */
  now: number;
  target: LatencyTarget;
  maxGpus: number;
  /** Counts each GPU at its board limit (ModeModel.maxWatts per replica). */
  powerBudgetWatts?: number;
  scaleDownDelaySeconds: number;
  idleToZeroSeconds: number;
  modes: readonly PlannerMode[];
}

/** What the planner remembers per mode between calls (kept by its caller: the planner itself is pure). */
export interface ModeMemory {
  /** Since when the mode could have done with fewer replicas. */
  lowSince?: number;
  /** Last time it had traffic, wanted traffic or requests in flight. */
  lastActive: number;
  /** Last time a burst reached the panic threshold: no scale-down for a stable window after it. */
  panicAt?: number;
  /** Replicas asked for at the previous call, and since when that size has held with every replica ready. */
  replicas?: number;
  steadySince?: number;
}

export type PlannerState = Readonly<Record<string, ModeMemory>>;

export interface ModePlan {
  mode: string;
  replicas: number;
  /** Why, in words a person reads in status and Events. */
  reason: string;
}

export interface Plan {
  modes: ModePlan[];
  state: PlannerState;
}

const rate = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} req/s`;

interface Wish {
  mode: PlannerMode;
  replicas: number;
  floor: number;
  reason: string;
  memory: ModeMemory;
}

/**
 * One mode's wish before the GPU budget is applied: scale up at once (on the stable window's traffic, a burst in the
 * short window, or an observed TTFT past the target), down after a delay, to zero after idle.
 */
function wish(m: PlannerMode, input: PlannerInput, previous: ModeMemory | undefined): Wish {
  const d = m.demand;
  const now = input.now;
  const active = d.requestsPerSecond > 0 || d.wantedPerSecond > 0 || d.inFlight > 0;
  const memory: ModeMemory = { lastActive: active || !previous ? now : previous.lastActive };
  if (previous?.lowSince !== undefined) memory.lowSince = previous.lowSince;
  if (m.fixedReplicas !== undefined) {
    return {
      mode: m,
      replicas: m.fixedReplicas,
      floor: m.fixedReplicas,
      reason: `fixed at ${m.fixedReplicas} by spec.modes[].replicas`,
      memory: { lastActive: memory.lastActive },
    };
  }
  memory.replicas = m.replicas;
  memory.steadySince =
    m.replicas > 0 && m.ready >= m.replicas && previous?.replicas === m.replicas ? (previous.steadySince ?? now) : now;
  // Requests in flight keep a replica each up to a full batch: scaling below them would cut answers off.
  const inFlightFloor = d.inFlight > 0 ? Math.ceil(d.inFlight / m.model.maxBatch) : 0;
  const floor = Math.min(m.maxReplicas, Math.max(m.minReplicas, inFlightFloor));
  const traffic = {
    requestsPerSecond: d.requestsPerSecond + d.wantedPerSecond,
    meanPromptTokens: d.meanPromptTokens,
    meanOutputTokens: d.meanOutputTokens,
  };
  const up = replicasFor(m.model, traffic, input.target, FILL_UP);
  const offered = `${rate(traffic.requestsPerSecond)}${d.wantedPerSecond > 0 ? ` (${rate(d.wantedPerSecond)} wanted here, served elsewhere)` : ''}`;
  const sloNote = up.feasible ? '' : '; the SLO cannot be met in this mode even at batch 1, sized for throughput';
  const clamp = (n: number) => Math.min(m.maxReplicas, Math.max(floor, n));

  // Knative's panic mode: a burst that needs PANIC_THRESHOLD × the ready replicas sizes the mode on the short window.
  const burst = burstNeed(m.model, d.recent, input.target, m.ready);
  if (burst?.panics) memory.panicAt = now;
  else if (previous?.panicAt !== undefined && now - previous.panicAt < STABLE_WINDOW_SECONDS)
    memory.panicAt = previous.panicAt;
  const burstWant = memory.panicAt !== undefined && burst ? burst.replicas : 0;
  // Observed TTFT: it describes the current size only once that size has held, every replica ready, a whole window.
  const observed = d.observedTtft;
  const slow = ttftMissed(observed, input.target);
  const settled = now - memory.steadySince >= STABLE_WINDOW_SECONDS;
  const feedbackWant = slow && up.feasible && settled ? m.replicas + 1 : 0;
  const want = Math.max(up.replicas, burstWant, feedbackWant);

  if (want > m.replicas || (m.replicas === 0 && d.wantedPerSecond > 0)) {
    delete memory.lowSince;
    const n = clamp(Math.max(want, 1));
    let why: string;
    if (m.replicas === 0) why = `waking from zero: ${offered}`;
    else if (burstWant === want && want > up.replicas && d.recent && burst)
      why = `${burstReason(d.recent, burst, m.ready)}; scaling up, no scale-down for ${STABLE_WINDOW_SECONDS} s`;
    else if (feedbackWant === want && want > up.replicas && slow)
      why = `${ttftReason(observed, input.target)} though ${offered} should fit ${up.replicas}; adding 1`;
    else why = `${offered} needs ${up.replicas} to keep the SLO`;
    return {
      mode: m,
      replicas: n,
      floor,
      reason: `${why}${sloNote}${n < want ? `; capped by maxReplicas ${m.maxReplicas}` : ''}`,
      memory,
    };
  }
  const panicAt = memory.panicAt;
  if (m.replicas > 0 && panicAt !== undefined) {
    delete memory.lowSince;
    return {
      mode: m,
      replicas: clamp(m.replicas),
      floor,
      reason:
        `burst ${Math.round(now - panicAt)} s ago: holding ${m.replicas}, no scale-down for ${Math.round(STABLE_WINDOW_SECONDS - (now - panicAt))} ` +
        `s more`,
      memory,
    };
  }
  if (m.replicas > 0 && slow) {
    delete memory.lowSince;
    return {
      mode: m,
      replicas: clamp(m.replicas),
      floor,
      reason: `${ttftReason(observed, input.target)}: holding ${m.replicas}, no scale-down`,
      memory,
    };
  }
  const down = replicasFor(m.model, traffic, input.target, FILL_DOWN);
  let candidate = clamp(down.replicas);
  if (candidate === 0 && now - memory.lastActive < input.idleToZeroSeconds) candidate = Math.min(m.replicas, clamp(1));
  if (candidate >= m.replicas) {
    delete memory.lowSince;
    if (m.replicas > 0 && candidate === m.replicas && traffic.requestsPerSecond === 0 && m.replicas > floor) {
      const idle = Math.round(now - memory.lastActive);
      return {
        mode: m,
        replicas: m.replicas,
        floor,
        reason: `idle ${idle} s of the ${input.idleToZeroSeconds} s before scaling to zero`,
        memory,
      };
    }
    return {
      mode: m,
      replicas: clamp(m.replicas),
      floor,
      reason: `${offered} fits ${m.replicas} within the SLO`,
      memory,
    };
  }
  memory.lowSince ??= now;
  const waited = now - memory.lowSince;
  // Going to zero waits for idleToZeroSeconds of no traffic instead (checked above).
  if (candidate > 0 && waited < input.scaleDownDelaySeconds) {
    return {
      mode: m,
      replicas: m.replicas,
      floor,
      reason: `${offered} fits ${candidate}; waiting ${Math.round(input.scaleDownDelaySeconds - waited)} s more before scaling down from ${m.replicas}`,
      memory,
    };
  }
  delete memory.lowSince;
  const why =
    candidate === 0
      ? `idle for ${Math.round(now - memory.lastActive)} s: scaled to zero`
      : `${offered} fits ${candidate} for ${Math.round(waited)} s: scaling down from ${m.replicas}`;
  return { mode: m, replicas: candidate, floor, reason: why, memory };
}

/** GPUs the pool may hold: maxGpus, and no more than the power budget allows at each replica's board limit. */
function gpuCap(input: PlannerInput): number {
  if (input.powerBudgetWatts === undefined) return input.maxGpus;
  const wattsPerGpu = Math.max(...input.modes.map((m) => m.model.maxWatts / m.model.gpus));
  return Math.min(input.maxGpus, Math.floor(input.powerBudgetWatts / wattsPerGpu));
}

/**
 * Fits the wishes into the GPU budget: every mode first keeps the smaller of its wish and what it has (never less
 * than its floor; a lowered budget takes replicas above the floors back), then spare GPUs go one replica at a time to
 * the mode whose wish is least met.
 */
function applyBudget(wishes: Wish[], cap: number): Map<string, { replicas: number; note?: string }> {
  const gpus = (w: Wish) => w.mode.model.gpus;
  const given = new Map(
    wishes.map((w) => [w.mode.name, w.mode.fixedReplicas ?? Math.max(w.floor, Math.min(w.replicas, w.mode.replicas))]),
  );
  let used = wishes.reduce((s, w) => s + (given.get(w.mode.name) as number) * gpus(w), 0);
  // A lowered budget: give back replicas above the floor, from the mode holding most against its wish.
  while (used > cap) {
    const over = wishes
      .filter((w) => w.mode.fixedReplicas === undefined && (given.get(w.mode.name) as number) > w.floor)
      .sort(
        (a, b) =>
          (given.get(b.mode.name) as number) / Math.max(1, b.replicas) -
          (given.get(a.mode.name) as number) / Math.max(1, a.replicas),
      )[0];
    if (!over) break;
    given.set(over.mode.name, (given.get(over.mode.name) as number) - 1);
    used -= gpus(over);
  }
  for (;;) {
    const short = wishes
      .filter((w) => (given.get(w.mode.name) as number) < w.replicas && used + gpus(w) <= cap)
      .sort(
        (a, b) => (given.get(a.mode.name) as number) / a.replicas - (given.get(b.mode.name) as number) / b.replicas,
      );
    const next = short[0];
    if (!next) break;
    given.set(next.mode.name, (given.get(next.mode.name) as number) + 1);
    used += gpus(next);
  }
  return new Map(
    wishes.map((w) => {
      const replicas = given.get(w.mode.name) as number;
      return [
        w.mode.name,
        replicas < w.replicas
          ? { replicas, note: `GPU budget ${cap}: wants ${w.replicas}, holds ${replicas}` }
          : { replicas },
      ];
    }),
  );
}

/**
 * Replicas per mode for the traffic each saw: the fewest that keep the latency target (idle GPUs are most of a lightly
 * loaded pool's energy, so the fewest replicas is also the least energy), with hysteresis, warming replicas counted
 * as on their way, never below what is in flight, within the GPU and power budget. Pure: state in, state out.
 */
export function planCapacity(input: PlannerInput, state: PlannerState): Plan {
  const wishes = input.modes.map((m) => wish(m, input, state[m.name]));
  const budget = applyBudget(wishes, gpuCap(input));
  return {
    modes: wishes.map((w) => {
      const b = budget.get(w.mode.name) as { replicas: number; note?: string };
      return { mode: w.mode.name, replicas: b.replicas, reason: b.note ? `${w.reason}; ${b.note}` : w.reason };
    }),
    state: Object.fromEntries(wishes.map((w) => [w.mode.name, w.memory])),
  };
}
