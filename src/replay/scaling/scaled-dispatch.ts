import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { seedPolicyModels } from '../../model/policy-models.js';
import { compilePolicy } from '../../router/decide/compile-policy.js';
import { LiveModeModels } from '../../router/learn/live-mode-models.js';
import { leastLoaded } from '../dispatch/least-loaded.js';
import { ReplayRouter } from '../dispatch/replay-router.js';
import { recordEngines } from '../dispatch/telemetry-feed.js';
import type { ScalingPod, ScalingPool } from './scaling-pool.js';

/** Where a request goes in a scaling fleet, and the mode it wanted when that one could not take it. */
export interface ScaledDispatch {
  pod: ScalingPod;
  wanted?: string;
  /**
   * Sequences on the pod once this request joined it, as the router's decision counts them (Decision.batch): what
   * the answer's timings are fitted against. Undefined where no router would have served it.
   */
  batch?: number;
}

export type ScaledDispatcher = (request: WorkloadRequest, now: number, pool: ScalingPool) => ScaledDispatch;

/** Any ready pod, least loaded: where a request goes when its mode has none ready (a router's last resort). */
function anyReady(pool: ScalingPool, modes: readonly string[], now: number): ScalingPod {
  const ready = modes.flatMap((m) => pool.ready(m, now));
  if (ready.length === 0)
    throw new Error(`no ready pod in any mode at ${now.toFixed(1)} s: a strategy must keep one mode warm`);
  return leastLoaded(ready);
}

/** Each request to the mode an assignment names (one mode for a fixed-mode fleet, the oracle's per request). */
export function assignedDispatcher(modeOf: (r: WorkloadRequest) => string, modes: readonly string[]): ScaledDispatcher {
  return (request, now, pool) => {
    const mode = modeOf(request);
    const ready = pool.ready(mode, now);
    const pod = ready.length > 0 ? leastLoaded(ready) : anyReady(pool, modes, now);
    // The router's count of a pod's load (decide/pick-pod.ts podLoad): its engine's waiting and running.
    const batch = Math.max(pod.inFlight, pod.core.queueDepth() + pod.core.runningCount()) + 1;
    return ready.length > 0 ? { pod, batch } : { pod, wanted: mode, batch };
  };
}

export interface ObjectiveDispatcherOptions {
  /** The policy as shipped: its rules, guards, fallbacks and default; objective routing is switched on here. */
  policy: InferenceModePolicy;
  target: LatencyTarget;
  qualityBudgetPoints: number;
  /** False: the policy's routing.rules are dropped, so the objective decides every request (what the rules cost). */
  applyRules: boolean;
}

/**
 * The policy with routing.strategy Objective and the benchmark's SLO and quality budget as spec.objective; without
 * its rules unless they apply (guards, fallback chain, default mode and domain experts stay).
 */
function withObjective(o: ObjectiveDispatcherOptions): InferenceModePolicy {
  const interToken =
    o.target.interToken.statistic === 'mean'
      ? { interTokenMeanSeconds: o.target.interToken.seconds }
      : { interTokenP95Seconds: o.target.interToken.seconds };
  const spec = o.policy.spec;
  return {
    ...o.policy,
    spec: {
      ...spec,
      objective: { ttftP95Seconds: o.target.ttftP95Seconds, ...interToken, qualityBudgetPoints: o.qualityBudgetPoints },
      routing: { ...spec.routing, strategy: 'Objective', ...(o.applyRules ? {} : { rules: [] }) },
    },
  };
}

/**
 * ModeSwitch as the router runs it with routing.strategy Objective: each request goes through RouterCore.route (a rule
 * that matches wins, else the objective chooses the lowest predicted J/token that meets the SLO at the pods' load,
 * within the quality budget as a mean; guards and the fallback chain apply). The router's registry lists the ready
 * pods, each with its engine's current queue, running and KV-cache figures (fresh telemetry, no GPU readings).
 */
export function objectiveDispatcher(o: ObjectiveDispatcherOptions): {
  dispatch: ScaledDispatcher;
  models: LiveModeModels;
} {
  const router = new ReplayRouter<ScalingPod>(withObjective(o));
  const modes = router.policy.modeNames;
  const dispatch: ScaledDispatcher = (request, now, pool) => {
    const ready = pool.allReady(now);
    router.setPods(ready);
    for (const pod of ready) router.recordOf(pod).inFlight = pod.inFlight;
    recordEngines(ready, router.store, now * 1000);
    const { decision, pod } = router.route(request, now * 1000);
    // Every mode guarded off: the router would refuse it (and charge no quality); here the least-loaded ready pod
    // serves (counted as routed).
    const served = pod ?? anyReady(pool, modes, now);
    const batch = pod ? decision.batch : undefined;
    // The router's own wanted demand: the objective's preferred mode, or a rule's mode without a ready pod.
    return decision.wanted !== undefined ? { pod: served, wanted: decision.wanted, batch } : { pod: served, batch };
  };
  // The router's own fit: its decisions predict with it, and the replay's planner sizes with it.
  return { dispatch, models: router.core.models };
}

/** Live models seeded from `policy` as a router running it seeds them (router/core/router-core.ts). */
export function policyModels(policy: InferenceModePolicy): LiveModeModels {
  const models = new LiveModeModels();
  models.modelsOf({ modes: seedPolicyModels(compilePolicy(policy).resolved) });
  return models;
}
