import type { NormalizedRequest } from '../classify/normalized-request.js';
import type { CompiledPolicy } from '../decide/compile-policy.js';
import type { Routed } from '../decide/routed.js';
import type { PodRecord } from '../pods/endpoint.js';
import type { ServeContext } from './serve-context.js';

/** Classifies and decides the first time for a request, observing what that costs; `exclude`: pod URLs not to pick. */
export function decideRequest(
  ctx: ServeContext,
  snapshot: CompiledPolicy,
  req: NormalizedRequest,
  exclude?: ReadonlySet<string>,
): Routed {
  const t0 = process.hrtime.bigint();
  const routed = ctx.core.route(snapshot, req, exclude);
  ctx.metrics.decision.observe(Number(process.hrtime.bigint() - t0) / 1e9);
  return routed;
}

/** A decision and the pods to try for it, in order: what a gateway that forwards by itself needs. */
export interface RoutePlan {
  routed: Routed;
  /** The decided pod first, then the pods (possibly of fallback modes) a retry would move to. Empty: 503. */
  endpoints: PodRecord[];
}

/**
 * Decide and pick without forwarding, for a front end whose gateway forwards (ext_proc): the same decisions the
 * request path's retries would make, computed up front with the same policy snapshot. Report the outcome with
 * recordServed (and reportAttempt for each pod tried). `exclude`: pod URLs the gateway does not allow (its subset hint).
 */
export function planRoute(
  ctx: ServeContext,
  snapshot: CompiledPolicy,
  req: NormalizedRequest,
  maxPods = ctx.upstream.maxAttempts,
  exclude?: ReadonlySet<string>,
): RoutePlan {
  const routed = decideRequest(ctx, snapshot, req, exclude);
  const endpoints: PodRecord[] = [];
  const tried = new Set<string>(exclude);
  for (
    let next: Routed = routed;
    next.decision.pod && endpoints.length < maxPods;
    next = ctx.core.route(snapshot, req, tried, routed.features)
  ) {
    endpoints.push(next.decision.pod.record);
    tried.add(next.decision.pod.record.url);
  }
  return { routed, endpoints };
}
