import { seedModeModel, type ModeModel } from '../../model/mode-model.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import { coldStart } from '../../model/cold-start.js';
import { gpuById } from '../../model/gpus.js';
import { modelById } from '../../model/models.js';
import { qualityOfModes } from '../../model/quality.js';
import type { ModeProfile } from '../../model/types.js';
import { policyDispatcher } from '../dispatch/policy.js';
import { oracleAssignment } from '../oracle.js';
import { fleetModesOf } from '../../model/policy-modes.js';
import { createFleetPool } from '../fleet/pool.js';
import { replayFleet } from '../replay-fleet.js';
import type { ReplayCommon } from '../strategies.js';
import { capacityMetrics, type CapacityMetrics } from './capacity-metrics.js';
import {
  replayScaled,
  type CapacityBudget,
  type ReplayMode,
  type ScaledOutcome,
  type ScaledRun,
} from './replay-scaled.js';
import type { LiveModeModels } from '../../router/learn/live-mode-models.js';
import { assignedDispatcher, objectiveDispatcher, policyModels, type ScaledDispatcher } from './scaled-dispatch.js';
import { ScalingPool, type ScalingMode } from './scaling-pool.js';

export interface CapacityCompareOptions extends ReplayCommon {
  target: LatencyTarget;
  /** Accuracy a request may lose against FP16, points: objective routing's gate and the oracle's mean gate. */
  qualityBudgetPoints: number;
  capacity: CapacityBudget;
  /**
   * The mode a live router chose for each request (by request id): ModeSwitch's pool then serves those decisions,
   * autoscaled, instead of routing in the replay (the demo, whose timeline must match what its router did).
   */
  routedModes?: ReadonlyMap<number, string>;
}

export interface CapacityStrategyResult {
  name: string;
  /** `objective-only`: ModeSwitch with the policy's rules ignored, beside it to show what the rules cost or buy. */
  kind: 'baseline' | 'fixed' | 'static' | 'modeswitch' | 'objective-only' | 'oracle';
  metrics: CapacityMetrics;
  run?: ScaledRun;
}

interface FleetMode {
  name: string;
  profile: ModeProfile;
  model: ModeModel;
  startSeconds: number;
}

/**
 * Every strategy on the same SLO, GPU budget and capacity planner: each mode alone (always-FP16 for the baseline),
 * autoscaled; the policy as shipped on its static pool (today's behaviour); ModeSwitch, the planner sizing every
 * mode, routing by the policy's rules then the objective, and again by the objective alone; and the hindsight
 * oracle's per-request modes, autoscaled by the same planner.
 */
export function compareCapacity(o: CapacityCompareOptions): CapacityStrategyResult[] {
  const gpu = gpuById(o.gpu);
  const model = modelById(o.model);
  const policyModes = fleetModesOf(o.policy);
  // Weights from the node's cache (a warm node); a network volume is slower (src/model/cold-start.ts).
  const modes: FleetMode[] = policyModes.map((m) => ({
    name: m.name,
    profile: m.profile,
    model: seedModeModel(gpu, model, m.profile),
    startSeconds: coldStart(gpu, model, m.profile, 1, 'node-cache').seconds,
  }));
  const quality = qualityOfModes(new Map(modes.map((m) => [m.name, m.profile])), model);
  const scalingModes: ScalingMode[] = modes.map((m) => ({
    name: m.name,
    profile: m.profile,
    startSeconds: m.startSeconds,
  }));
  const metricsOf = (run: ScaledRun) => capacityMetrics(run.outcomes, run, quality, o.target);
  // Every autoscaled strategy plans on the fit of what its own engines answered, as the operator plans on its routers'.
  const autoscaled = (
    warm: Record<string, number>,
    replayModes: ReplayMode[],
    { dispatch, models }: { dispatch: ScaledDispatcher; models: LiveModeModels },
  ): ScaledRun => {
    const pool = new ScalingPool({ gpu: o.gpu, model: o.model, modes: scalingModes, seed: o.seed });
    for (const [mode, n] of Object.entries(warm)) pool.addReady(mode, 0, n);
    return replayScaled({
      pool,
      modes: replayModes,
      dispatch,
      models,
      requests: o.requests,
      target: o.target,
      capacity: o.capacity,
    });
  };
  const planned = (m: FleetMode, minReplicas: number): ReplayMode => ({
    name: m.name,
    model: m.model,
    minReplicas,
    maxReplicas: Math.floor(o.capacity.maxGpus),
  });
  const names = modes.map((m) => m.name);
  const results: CapacityStrategyResult[] = [];

  const energyByMode = new Map<string, Map<number, number>>();
  for (const m of modes) {
    const name = m.name === o.baselineMode ? `always-${m.name} (autoscaled)` : `fixed ${m.name} (autoscaled)`;
    o.onStrategy?.(name);
    // A service must answer: a single-mode fleet keeps one replica.
    const run = autoscaled({ [m.name]: 1 }, [planned(m, 1)], {
      dispatch: assignedDispatcher(() => m.name, [m.name]),
      models: policyModels(o.policy),
    });
    energyByMode.set(m.name, new Map(run.outcomes.map((x) => [x.request.id, x.result.energyJoules])));
    results.push({ name, kind: m.name === o.baselineMode ? 'baseline' : 'fixed', metrics: metricsOf(run), run });
  }

  o.onStrategy?.('static policy');
  const staticGpus = createFleetPool({ gpu: o.gpu, model: o.model, modes: policyModes, seed: o.seed });
  const staticRun = replayFleet({
    gpus: staticGpus,
    dispatcher: policyDispatcher({ policy: o.policy, gpus: staticGpus }),
    requests: o.requests,
    tickSeconds: 1,
  });
  const staticOutcomes: ScaledOutcome[] = staticRun.outcomes.map((x) => ({
    request: x.request,
    mode: x.mode,
    result: x.result,
  }));
  results.push({
    name: 'policy, static (today)',
    kind: 'static',
    metrics: capacityMetrics(
      staticOutcomes,
      { ...staticRun, gpuSeconds: staticRun.gpus * staticRun.seconds },
      quality,
      o.target,
    ),
  });

  const defaultMode = o.policy.spec.routing.defaultMode;
  const modeSwitch = (applyRules: boolean): ScaledRun =>
    autoscaled(
      { [defaultMode]: 1 },
      modes.map((m) => planned(m, m.name === defaultMode ? 1 : 0)),
      objectiveDispatcher({
        policy: o.policy,
        target: o.target,
        qualityBudgetPoints: o.qualityBudgetPoints,
        applyRules,
      }),
    );
  o.onStrategy?.('ModeSwitch capacity');
  const routed = o.routedModes;
  const msRun = routed
    ? autoscaled(
        { [defaultMode]: 1 },
        modes.map((m) => planned(m, m.name === defaultMode ? 1 : 0)),
        { dispatch: assignedDispatcher((r) => routed.get(r.id) ?? defaultMode, names), models: policyModels(o.policy) },
      )
    : modeSwitch(true);
  results.push({
    name: 'ModeSwitch (capacity + objective)',
    kind: 'modeswitch',
    metrics: metricsOf(msRun),
    run: msRun,
  });
  o.onStrategy?.('ModeSwitch, objective only');
  const objectiveRun = modeSwitch(false);
  results.push({
    name: 'ModeSwitch, objective only (rules ignored)',
    kind: 'objective-only',
    metrics: metricsOf(objectiveRun),
    run: objectiveRun,
  });

  o.onStrategy?.('oracle');
  // As in the static comparison, the oracle picks among the modes the policy runs (a mode at zero serves nothing).
  const servable = new Set(policyModes.filter((m) => m.replicas > 0).map((m) => m.name));
  const oracle = oracleAssignment({
    requests: o.requests,
    energy: new Map([...energyByMode].filter(([mode]) => servable.has(mode))),
    maxMeanLossPoints: o.qualityBudgetPoints,
    quality,
  });
  const counts = new Map<string, number>();
  for (const mode of oracle.values()) counts.set(mode, (counts.get(mode) ?? 0) + 1);
  const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? defaultMode;
  const oracleRun = autoscaled(
    { [busiest]: 1 },
    modes.map((m) => planned(m, m.name === busiest ? 1 : 0)),
    { dispatch: assignedDispatcher((r) => oracle.get(r.id) as string, names), models: policyModels(o.policy) },
  );
  results.push({
    name: 'oracle (hindsight, autoscaled)',
    kind: 'oracle',
    metrics: metricsOf(oracleRun),
    run: oracleRun,
  });
  return results;
}
