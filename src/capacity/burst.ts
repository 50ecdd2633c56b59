import type { ModeModel } from '../model/mode-model.js';
import { FILL_UP, replicasFor, type LatencyTarget, type Traffic } from './sizing.js';
import type { ObservedTtft } from './ttft-histogram.js';

/*
 * Burst-aware sizing after the Knative Pod Autoscaler's panic mode (knative.dev/docs/serving/autoscaling/kpa-specific):
 * demand is read over a stable window (KPA's default stable-window, 60 s) and a short one; when the short window's
 * traffic needs at least the panic threshold (KPA's default panic-threshold-percentage, 200%) times the ready
 * replicas, the mode panics: it sizes on the short window and does not scale down until a whole stable window has
 * passed without reaching the threshold again.
 */

/** KPA's default stable window: the planner's mean demand is read over it. */
export const STABLE_WINDOW_SECONDS = 60;
/**
 * How often the capacity controller plans and reads the routers' counters (the fleet replay plans as often). It is
 * also the short window: KPA's default is 10% of the stable window (6 s), but demand from the routers' counters is
 * read at each step, so the shortest window it has is one step (capacity/demand.ts).
 */
export const PLAN_INTERVAL_SECONDS = 15;
/** KPA's default panic-threshold-percentage, 200%: the short window needs twice the ready replicas. */
export const PANIC_THRESHOLD = 2;
/** Fewest first tokens a p95 is read from: with fewer than 1 ÷ (1 − 0.95) = 20 it is just the slowest one. */
export const MIN_TTFT_SAMPLES = 20;

/** Traffic (routed and wanted) over the short window. */
export interface RecentTraffic extends Traffic {
  seconds: number;
}

export interface BurstNeed {
  /** Replicas the short window's traffic needs to keep the SLO. */
  replicas: number;
  /** Those against the ready ones (at least 1): KPA's desired panic pods ÷ ready pods. */
  ratio: number;
  /** At or past PANIC_THRESHOLD. */
  panics: boolean;
}

const rate = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} req/s`;

/** KPA's panic test for one mode: what the short window's traffic needs, against the replicas that serve now. */
export function burstNeed(
  model: ModeModel,
  recent: RecentTraffic | undefined,
  target: LatencyTarget,
  ready: number,
): BurstNeed | undefined {
  if (!recent || recent.requestsPerSecond <= 0) return undefined;
  const replicas = replicasFor(model, recent, target, FILL_UP).replicas;
  const ratio = replicas / Math.max(1, ready);
  return { replicas, ratio, panics: ratio >= PANIC_THRESHOLD };
}

export function burstReason(recent: RecentTraffic, need: BurstNeed, ready: number): string {
  return (
    `burst: ${rate(recent.requestsPerSecond)} over the last ${Math.round(recent.seconds)} s needs ` +
    `${need.replicas}, ${need.ratio.toFixed(1)}× the ${ready} ready (panic at ${PANIC_THRESHOLD}×)`
  );
}

/** Whether the routers' observed p95 time to first token, read from enough first tokens, misses the target. */
export function ttftMissed(observed: ObservedTtft | undefined, target: LatencyTarget): observed is ObservedTtft {
  return observed !== undefined && observed.count >= MIN_TTFT_SAMPLES && observed.p95Seconds > target.ttftP95Seconds;
}

export function ttftReason(observed: ObservedTtft, target: LatencyTarget): string {
  return (
    `observed p95 TTFT ${observed.p95Seconds.toFixed(2)} s over the last ${STABLE_WINDOW_SECONDS} ` +
    `s (${observed.count} first tokens) is above the ${target.ttftP95Seconds} s target`
  );
}
