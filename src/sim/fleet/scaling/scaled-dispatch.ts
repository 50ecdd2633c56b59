import type { ModeModel } from '../../../capacity/mode-model.js';
import type { LatencyTarget } from '../../../capacity/sizing.js';
import { chooseByObjective, QualityLedger } from '../../../router/decide/objective.js';
import { qualityDeltaPoints } from '../../model/quality.js';
import type { ModeProfile } from '../../model/types.js';
import type { WorkloadRequest } from '../../workload/synthesize.js';
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
  modes: readonly { name: string; profile: ModeProfile; model: ModeModel }[];
  target: LatencyTarget;
  qualityBudgetPoints: number;
}

/** Objective routing with the router's code (src/router/decide/objective.ts) over the pool's in-flight counts. */
export function objectiveDispatcher(o: ObjectiveDispatcherOptions): ScaledDispatcher {
  const names = o.modes.map((m) => m.name);
  const profiles = new Map(o.modes.map((m) => [m.name, m.profile]));
  const ledger = new QualityLedger(o.qualityBudgetPoints);
  return (request, now, pool) => {
    const pods = new Map(o.modes.map((m) => [m.name, leastLoaded(pool.ready(m.name, now))]));
    const candidates = o.modes.map((m) => ({ mode: m.name, model: m.model, qualityDeltaPoints: qualityDeltaPoints(m.profile, request.type), batch: pods.get(m.name)?.inFlight }));
    const choice = chooseByObjective(candidates, request.inputTokens, o.target, ledger.allowance());
    const chosen = choice ? pods.get(choice.mode) : undefined;
    const pod = chosen ?? anyReady(pool, names, now);
    ledger.charge(-qualityDeltaPoints(profiles.get(pod.mode) as ModeProfile, request.type));
    return choice?.wanted ? { pod, wanted: choice.wanted } : { pod };
  };
}
