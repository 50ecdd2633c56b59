import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import type { PodView } from './pod-view.js';

export type RejectReason = 'no_ready_pod' | 'queue_depth' | 'kv_cache' | 'gpu_power' | 'upstream_error';

export interface Rejection {
  reason: RejectReason;
  detail: string;
}

type Guards = ResolvedPolicy['routing']['guards'];

/** Why a healthy pod is guarded off, or undefined. Unknown values never trip a guard: we cannot call them full. */
function guardOf(p: PodView, g: Guards): Rejection | undefined {
  if (p.queueDepth !== undefined && p.queueDepth > g.maxQueueDepth) {
    return { reason: 'queue_depth', detail: `queue ${p.queueDepth} > ${g.maxQueueDepth}` };
  }
  if (p.kvCacheUsage !== undefined && p.kvCacheUsage > g.maxKvCacheUsage) {
    return { reason: 'kv_cache', detail: `KV cache ${p.kvCacheUsage.toFixed(2)} > ${g.maxKvCacheUsage}` };
  }
  if (g.maxGpuPowerWatts !== undefined && p.powerWatts !== undefined && p.powerWatts > g.maxGpuPowerWatts) {
    return { reason: 'gpu_power', detail: `GPU power ${Math.round(p.powerWatts)} W > ${g.maxGpuPowerWatts} W` };
  }
  return undefined;
}

/**
 * Sequences on a pod as the router knows them: the engine's waiting + running, never below the router's own
 * in-flight count. What objective routing and the live mode models take as the pod's batch.
 */
export function podLoad(p: PodView): number {
  return Math.max(p.record.inFlight, (p.queueDepth ?? 0) + (p.running ?? 0));
}

/**
 * Load as the engine reports it (waiting + running, which include the router's own requests), never below the
 * router's in-flight count; undefined when the engine's telemetry is unknown.
 */
function knownLoadOf(p: PodView): number | undefined {
  if (p.queueDepth === undefined && p.running === undefined) return undefined;
  return podLoad(p);
}

/**
 * The least-loaded healthy pod that passes the guards and was not tried already, or why there is none.
 * Allocation-free on the happy path: it runs on every request.
 */
export function pickPod(pods: readonly PodView[], guards: Guards, exclude?: ReadonlySet<string>): PodView | Rejection {
  // A pod whose telemetry is unknown is not idle: it counts as loaded like the mode's known pods on average.
  let knownSum = 0;
  let knownCount = 0;
  for (const p of pods) {
    const load = p.healthy && !exclude?.has(p.record.url) ? knownLoadOf(p) : undefined;
    if (load !== undefined) {
      knownSum += load;
      knownCount++;
    }
  }
  const assumed = knownCount > 0 ? knownSum / knownCount : 0;
  let best: PodView | undefined;
  let bestLoad = Infinity;
  let healthy = 0;
  let excluded = 0;
  let guarded: Rejection | undefined;
  for (const p of pods) {
    if (!p.healthy) continue;
    healthy++;
    if (exclude?.has(p.record.url)) {
      excluded++;
      continue;
    }
    const g = guardOf(p, guards);
    if (g) {
      guarded ??= g;
      continue;
    }
    const known = knownLoadOf(p);
    // On a tie a pod with known telemetry wins (unknown pods must be strictly less loaded).
    const load = known ?? Math.max(p.record.inFlight, assumed) + 0.5;
    if (load < bestLoad) {
      best = p;
      bestLoad = load;
    }
  }
  if (best) return best;
  if (healthy === 0) return { reason: 'no_ready_pod', detail: 'no ready pod' };
  if (guarded) return { reason: guarded.reason, detail: `${guarded.detail} on every pod` };
  return { reason: 'upstream_error', detail: `${excluded} pod(s) failed before answering` };
}
