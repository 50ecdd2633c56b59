import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { scaleInterToken, type LinearFit, type ModeModel } from '../../model/mode-model.js';
import { seedPolicyModels, type PolicyModeModel } from '../../model/policy-models.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import { qualityDeltaPoints } from '../../model/quality.js';
import { interTokenFactor } from '../../model/speculative.js';
import { isRequestType } from '../../model/types.js';
import {
  chooseByObjective,
  predictOn,
  type ObjectiveCandidate,
  type ObjectiveChoice,
  type ObjectivePrediction,
} from './objective.js';
import { pickPod, podLoad } from './pick-pod.js';
import type { PodView } from './pod-view.js';

/** What a policy with routing.strategy Objective decides with, compiled once per policy version. */
export interface ObjectiveRouting {
  target: LatencyTarget;
  qualityBudgetPoints: number;
  /** Each candidate mode's seeded model: what the router predicts with until it has observed the mode. */
  modes: ReadonlyMap<string, PolicyModeModel>;
}

/** A mode's model as the router has refitted it from what its pods did (learn/live-mode-models.ts). */
export interface LiveModeModel {
  model: ModeModel;
  firstTokenWait: LinearFit;
}

export function objectiveRoutingOf(policy: ResolvedPolicy): ObjectiveRouting | undefined {
  if (policy.routing.strategy !== 'Objective') return undefined;
  const modes = seedPolicyModels(policy);
  // A domain expert (LoRA adapter) answers its domains, which domain routing sends it; it is no candidate for the rest.
  for (const m of policy.modes) if (m.adapter) modes.delete(m.name);
  return { target: policy.objective, qualityBudgetPoints: policy.objective.qualityBudgetPoints, modes };
}

/** Accuracy change of a mode for a request type (a type the simulator does not know counts as chat). */
export function modeQualityDelta(o: ObjectiveRouting, mode: string, type: string): number {
  const m = o.modes.get(mode);
  return m ? qualityDeltaPoints(m.profile, isRequestType(type) ? type : 'chat', m.servedModel) : 0;
}

type Guards = ResolvedPolicy['routing']['guards'];

/** What objective routing reads of a request besides its prompt length. */
export interface ObjectiveRequest {
  type: string;
  /** Sampling temperature: a speculative mode's seed is taken at greedy chat and scaled for the request's acceptance. */
  temperature: number;
}

/**
 * Each candidate mode with the model it is predicted by (the live one where the router has it, which measured its
 * traffic's acceptance; else the seed, scaled to this request's type and temperature) and ranked by (the same, unscaled)
 * and its batch: the load of the pod the guards and load balancer would pick (undefined, cold, when none passes).
 */
function candidatesOf(
  o: ObjectiveRouting,
  request: ObjectiveRequest,
  pods: ReadonlyMap<string, readonly PodView[]>,
  guards: Guards,
  live: ReadonlyMap<string, LiveModeModel> | undefined,
  exclude?: ReadonlySet<string>,
): ObjectiveCandidate[] {
  const type = isRequestType(request.type) ? request.type : 'chat';
  return [...o.modes].map(([mode, m]) => {
    const picked = pickPod(pods.get(mode) ?? [], guards, exclude);
    const learned = live?.get(mode);
    const c: ObjectiveCandidate = {
      mode,
      model:
        learned?.model ??
        scaleInterToken(m.model, interTokenFactor(m.profile.speculative, { type, temperature: request.temperature })),
      rankingModel: learned?.model ?? m.model,
      qualityDeltaPoints: modeQualityDelta(o, mode, request.type),
      batch: 'record' in picked ? podLoad(picked) : undefined,
    };
    if (learned) c.firstTokenWait = learned.firstTokenWait;
    return c;
  });
}

/**
 * The objective's choice for one request, with the quality allowance of the caller's ledger and the live models the
 * caller passes (seeds for the modes it has none of).
 */
export function objectiveChoice(
  o: ObjectiveRouting,
  request: ObjectiveRequest,
  promptTokens: number,
  pods: ReadonlyMap<string, readonly PodView[]>,
  guards: Guards,
  allowancePoints: number,
  exclude?: ReadonlySet<string>,
  live?: ReadonlyMap<string, LiveModeModel>,
): ObjectiveChoice | undefined {
  return chooseByObjective(
    candidatesOf(o, request, pods, guards, live, exclude),
    promptTokens,
    o.target,
    allowancePoints,
  );
}

/** What the model predicts for a request of `promptTokens` on each warm mode at its current load (cold modes absent). */
export function objectivePredictions(
  o: ObjectiveRouting,
  promptTokens: number,
  pods: ReadonlyMap<string, readonly PodView[]>,
  guards: Guards,
  live?: ReadonlyMap<string, LiveModeModel>,
): Map<string, ObjectivePrediction> {
  const out = new Map<string, ObjectivePrediction>();
  for (const c of candidatesOf(o, { type: 'chat', temperature: 0 }, pods, guards, live))
    if (c.batch !== undefined) out.set(c.mode, predictOn(c, promptTokens));
  return out;
}
