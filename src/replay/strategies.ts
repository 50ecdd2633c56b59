import type { InferenceModePolicy } from '../api/v1alpha1/types.js';
import { modelById } from '../model/models.js';
import { qualityOfModes } from '../model/quality.js';
import type { WorkloadRequest } from '../sim/workload/synthesize.js';
import { assignedModeDispatcher } from './dispatch/assigned-mode.js';
import { fixedModeDispatcher } from './dispatch/fixed-mode.js';
import { policyDispatcher } from './dispatch/policy.js';
import type { Dispatcher } from './fleet/dispatcher.js';
import { fleetMetrics, type FleetMetrics } from './fleet-metrics.js';
import { oracleAssignment } from './oracle.js';
import { fleetModesOf, singleModeFleet, type FleetMode } from '../model/policy-modes.js';
import { createFleetPool, type FleetGpu } from './fleet/pool.js';
import { replayFleet, type FleetRun } from './replay-fleet.js';

/** What every strategy comparison replays: the same policy, requests, GPU, model and seed for each strategy. */
export interface ReplayCommon {
  policy: InferenceModePolicy;
  requests: readonly WorkloadRequest[];
  gpu: string;
  model: string;
  seed: number;
  /** Mode every saving is measured against (always-FP16). */
  baselineMode: string;
  /** Called as each strategy starts, for progress output. */
  onStrategy?: (name: string) => void;
}

export interface CompareOptions extends ReplayCommon {
  /** Mean accuracy loss allowed to the oracle, points. */
  maxMeanLossPoints: number;
  tickSeconds: number;
}

export interface StrategyResult {
  name: string;
  kind: 'baseline' | 'fixed' | 'policy' | 'oracle';
  gpus: number;
  metrics: FleetMetrics;
  run: FleetRun;
}

export interface Comparison {
  strategies: StrategyResult[];
  /** The oracle's mode per request id. */
  oracle: Map<number, string>;
}

function runOne(
  modes: readonly FleetMode[],
  o: CompareOptions,
  dispatcherFor: (gpus: FleetGpu[]) => Dispatcher,
): FleetRun {
  const gpus = createFleetPool({ gpu: o.gpu, model: o.model, modes, seed: o.seed });
  return replayFleet({ gpus, dispatcher: dispatcherFor(gpus), requests: o.requests, tickSeconds: o.tickSeconds });
}

/**
 * Every strategy on the same GPU count: each fixed mode on all of the policy's GPUs (the baseline mode is
 * always-FP16), the policy on its own mode mix, and the hindsight oracle on the policy's pool.
 */
export function compareStrategies(o: CompareOptions): Comparison {
  const modes = fleetModesOf(o.policy);
  const quality = qualityOfModes(new Map(modes.map((m) => [m.name, m.profile])), modelById(o.model));
  const gpuCount = modes.reduce((s, m) => s + m.replicas, 0);
  const strategies: StrategyResult[] = [];
  const energyByMode = new Map<string, Map<number, number>>();
  for (const m of modes) {
    const name = m.name === o.baselineMode ? `always-${m.name}` : `fixed ${m.name}`;
    o.onStrategy?.(name);
    const run = runOne(singleModeFleet(modes, m.name), o, (gpus) => fixedModeDispatcher(gpus));
    energyByMode.set(m.name, new Map(run.outcomes.map((x) => [x.request.id, x.result.energyJoules])));
    strategies.push({
      name,
      kind: m.name === o.baselineMode ? 'baseline' : 'fixed',
      gpus: gpuCount,
      metrics: fleetMetrics(run, quality),
      run,
    });
  }
  o.onStrategy?.('policy');
  const policyRun = runOne(modes, o, (gpus) => policyDispatcher({ policy: o.policy, gpus }));
  strategies.push({
    name: 'ModeSwitch policy',
    kind: 'policy',
    gpus: gpuCount,
    metrics: fleetMetrics(policyRun, quality),
    run: policyRun,
  });
  o.onStrategy?.('oracle');
  // The oracle chooses among the modes the pool has GPUs for (a mode scaled to zero serves nothing).
  const servable = new Set(modes.filter((m) => m.replicas > 0).map((m) => m.name));
  const oracle = oracleAssignment({
    requests: o.requests,
    energy: new Map([...energyByMode].filter(([mode]) => servable.has(mode))),
    maxMeanLossPoints: o.maxMeanLossPoints,
    quality,
  });
  const oracleRun = runOne(modes, o, (gpus) => assignedModeDispatcher(gpus, (id) => oracle.get(id) as string));
  strategies.push({
    name: 'oracle (hindsight)',
    kind: 'oracle',
    gpus: gpuCount,
    metrics: fleetMetrics(oracleRun, quality),
    run: oracleRun,
  });
  const baseline = strategies.find((s) => s.kind === 'baseline');
  if (!baseline) throw new Error(`the policy has no mode "${o.baselineMode}" to compare against`);
  return { strategies: [baseline, ...strategies.filter((s) => s !== baseline)], oracle };
}
