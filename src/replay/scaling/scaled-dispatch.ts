import type { ModeState } from '../../api/v1alpha1/rule-env.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import { PrefixTracker } from '../../router/classify/prefix-tracker.js';
import { compilePolicy, podsModeOf } from '../../router/decide/compile-policy.js';
import { decide } from '../../router/decide/decide.js';
import { QualityLedger } from '../../router/decide/objective.js';
import { modeQualityDelta, type ObjectiveRouting } from '../../router/decide/objective-routing.js';
import type { PodView } from '../../router/decide/pod-view.js';
import type { PodRecord } from '../../router/pods/endpoint.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { requestFeaturesOf } from '../fleet/request-features.js';
import type { ScalingPod, ScalingPool } from './scaling-pool.js';

/** Where a request goes in a scaling fleet, and the mode it wanted when that one could not take it. */
export interface ScaledDispatch {
  pod: ScalingPod;
  wanted?: string;
}

export type ScaledDispatcher = (request: WorkloadRequest, now: number, pool: ScalingPool) => ScaledDispatch;

function leastLoaded(pods: readonly ScalingPod[]): ScalingPod | undefined {
  let best: ScalingPod | undefined;
  for (const p of pods) if (!best || p.inFlight < best.inFlight) best = p;
  return best;
}

/** Any ready pod, least loaded: where a request goes when its mode has none ready (a router's last resort). */
function anyReady(pool: ScalingPool, modes: readonly string[], now: number): ScalingPod {
  const pod = leastLoaded(modes.flatMap((m) => pool.ready(m, now)));
  if (!pod) throw new Error(`no ready pod in any mode at ${now.toFixed(1)} s: a strategy must keep one mode warm`);
  return pod;
}

/** Each request to the mode an assignment names (one mode for a fixed-mode fleet, the oracle's per request). */
export function assignedDispatcher(modeOf: (r: WorkloadRequest) => string, modes: readonly string[]): ScaledDispatcher {
  return (request, now, pool) => {
    const mode = modeOf(request);
    const pod = leastLoaded(pool.ready(mode, now));
    return pod ? { pod } : { pod: anyReady(pool, modes, now), wanted: mode };
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
 * ModeSwitch as the router runs it with routing.strategy Objective (src/router/decide/decide.ts, unchanged): a rule
 * that matches wins, else the objective chooses (the lowest predicted J/token that meets the SLO at the pods' load,
 * within the quality budget as a mean); guards and the fallback chain apply. Each ready pod is seen with its engine's
 * current queue, running and KV-cache figures (fresh telemetry); a rule that reads other mode telemetry does not match.
 */
export function objectiveDispatcher(o: ObjectiveDispatcherOptions): ScaledDispatcher {
  const compiled = compilePolicy(withObjective(o));
  const objective = compiled.objective as ObjectiveRouting;
  const modes = compiled.modeNames;
  const ledger = new QualityLedger(o.qualityBudgetPoints);
  const prefixes = new PrefixTracker();
  const records = new Map<string, { pod: ScalingPod; record: PodRecord }>();
  const recordOf = (pod: ScalingPod): PodRecord => {
    const url = `http://scaled-${pod.index}.fleet:8000`;
    let entry = records.get(url);
    if (!entry) {
      const record: PodRecord = {
        url,
        mode: pod.mode,
        pod: `${pod.mode}-${pod.index}`,
        namespace: 'fleet',
        ready: true,
        inFlight: 0,
        ejectedUntil: 0,
        consecutiveFailures: 0,
        ejections: 0,
        checkFailing: false,
        waiting: new Set(),
      };
      records.set(url, (entry = { pod, record }));
    }
    entry.record.inFlight = pod.inFlight;
    return entry.record;
  };
  return (request, now, pool) => {
    const pods = new Map<string, PodView[]>();
    const states = new Map<string, ModeState>();
    for (const mode of modes) {
      const ready = pool.ready(podsModeOf(compiled, mode), now);
      const views = ready.map((p): PodView => ({
        record: recordOf(p),
        healthy: true,
        queueDepth: p.core.queueDepth(),
        running: p.core.runningCount(),
        kvCacheUsage: p.core.kvCacheUsage(),
      }));
      pods.set(mode, views);
      const sum = (f: (v: PodView) => number | undefined) => BigInt(views.reduce((s, v) => s + (f(v) ?? 0), 0));
      // Queue and running are only known with a pod to read them from (an unknown field makes a rule not match).
      states.set(
        mode,
        views.length > 0
          ? { readyPods: BigInt(views.length), queueDepth: sum((v) => v.queueDepth), running: sum((v) => v.running) }
          : { readyPods: 0n },
      );
    }
    const features = requestFeaturesOf(request, now * 1000, {
      model: compiled.resolved.model,
      prefixes,
      maxModelLen: compiled.maxModelLen,
    });
    const decision = decide({
      policy: compiled,
      bindings: { request: features, modes: states },
      pods,
      qualityAllowance: ledger.allowance(),
    });
    // Every mode guarded off: the router would refuse it; here the least-loaded ready pod serves (counted as routed).
    const pod = decision.pod
      ? (records.get(decision.pod.record.url) as { pod: ScalingPod }).pod
      : anyReady(pool, modes, now);
    ledger.charge(-modeQualityDelta(objective, pod.mode, features.type));
    // The router's own wanted demand: the objective's preferred mode, or a rule's mode without a ready pod.
    return decision.wanted !== undefined ? { pod, wanted: decision.wanted } : { pod };
  };
}
