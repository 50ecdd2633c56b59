import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { seedPolicyModels, type PolicyModeModel } from '../../capacity/policy-models.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import { qualityDeltaPoints } from '../../sim/model/quality.js';
import { isRequestType } from '../../sim/model/types.js';
import { chooseByObjective, type ObjectiveChoice } from './objective.js';
import { pickPod } from './pick-pod.js';
import type { PodView } from './pod-view.js';

/** What a policy with routing.strategy Objective decides with, compiled once per policy version. */
export interface ObjectiveRouting {
  target: LatencyTarget;
  qualityBudgetPoints: number;
  modes: ReadonlyMap<string, PolicyModeModel>;
}

export function objectiveRoutingOf(policy: ResolvedPolicy): ObjectiveRouting | undefined {
  if (policy.routing.strategy !== 'Objective') return undefined;
  const modes = seedPolicyModels(policy);
  // A domain expert (LoRA adapter) answers its domains, which domain routing sends it; it is no candidate for the rest.
  for (const m of policy.modes) if (m.adapter) modes.delete(m.name);
  return { target: policy.objective, qualityBudgetPoints: policy.objective.qualityBudgetPoints, modes };
}

/** A pod's load as the router knows it: the engine's waiting + running, never below the router's own in-flight count. */
function loadOf(p: PodView): number {
  return Math.max(p.record.inFlight, (p.queueDepth ?? 0) + (p.running ?? 0));
}

/** Accuracy change of a mode for a request type (a type the simulator does not know counts as chat). */
export function modeQualityDelta(o: ObjectiveRouting, mode: string, type: string): number {
  const m = o.modes.get(mode);
  return m ? qualityDeltaPoints(m.profile, isRequestType(type) ? type : 'chat') : 0;
}

/**
 * The objective's choice for one request: each mode's batch is the load of the pod the guards and load balancer
 * would pick (undefined, cold, when none passes), and the quality allowance comes from the caller's ledger.
 */
export function objectiveChoice(
  o: ObjectiveRouting, type: string, promptTokens: number, pods: ReadonlyMap<string, readonly PodView[]>,
  guards: ResolvedPolicy['routing']['guards'], allowancePoints: number, exclude?: ReadonlySet<string>,
): ObjectiveChoice | undefined {
  const candidates = [...o.modes].map(([mode, m]) => {
    const picked = pickPod(pods.get(mode) ?? [], guards, exclude);
    return { mode, model: m.model, qualityDeltaPoints: modeQualityDelta(o, mode, type), batch: 'record' in picked ? loadOf(picked) : undefined };
  });
  return chooseByObjective(candidates, promptTokens, o.target, allowancePoints);
}
