import type { ModeModel } from '../../model/mode-model.js';
import { PLAN_INTERVAL_SECONDS } from '../../capacity/burst.js';
import { QUIET } from '../../capacity/demand.js';
import { planCapacity, type PlannerState } from '../../capacity/planner.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import type { RequestResult } from '../../sim/engine/core-types.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { coreRequestOf } from '../fleet/core-request.js';
import { DemandWindow } from './demand-window.js';
import type { ScaledDispatcher } from './scaled-dispatch.js';
import type { ScalingPool } from './scaling-pool.js';

/** A mode as the planner sizes it in a replay. */
export interface ReplayMode {
  name: string;
  model: ModeModel;
  minReplicas: number;
  maxReplicas: number;
  /** Fixed size: never planned. */
  fixedReplicas?: number;
}

export interface CapacityBudget {
  maxGpus: number;
  powerBudgetWatts?: number;
  scaleDownDelaySeconds: number;
  idleToZeroSeconds: number;
}

export interface ScaledReplayOptions {
  pool: ScalingPool;
  modes: readonly ReplayMode[];
  dispatch: ScaledDispatcher;
  requests: readonly WorkloadRequest[];
  target: LatencyTarget;
  capacity: CapacityBudget;
  /** Scaling off: the pool keeps the replicas it starts with (today's static fleets). */
  static?: boolean;
}

export interface ScaledOutcome {
  request: WorkloadRequest;
  mode: string;
  result: RequestResult;
}

export interface ReplicaSample {
  t: number;
  mode: string;
  desired: number;
  ready: number;
}

export interface ScaledRun {
  outcomes: ScaledOutcome[];
  seconds: number;
  /** Every pod from when it was asked for until it stopped, loading included. */
  energyJoules: number;
  requestEnergyJoules: number;
  gpuSeconds: number;
  /** Replicas per mode at each planning step: desired against ready (the dashboard's view). */
  replicas: ReplicaSample[];
  /** The planner's last reason per mode. */
  reasons: Record<string, string>;
}

/**
 * Replays arrivals through a fleet that scales while it runs: every PLAN_INTERVAL_SECONDS the capacity planner (the
 * operator's code) sizes each mode from the demand of the requests finished so far (the operator's demand function), new pods load for their mode's start time
 * before they serve, and pods scaled away drain and stop. Simulated time only: deterministic.
 */
export function replayScaled(o: ScaledReplayOptions): ScaledRun {
  const { pool } = o;
  const demand = new DemandWindow();
  const outcomes: ScaledOutcome[] = [];
  const replicas: ReplicaSample[] = [];
  const reasons: Record<string, string> = {};
  let state: PlannerState = {};
  const inFlight = (mode: string) =>
    pool
      .pods()
      .filter((p) => p.mode === mode && p.stoppedAt === undefined)
      .reduce((s, p) => s + p.inFlight, 0);

  const plan = (now: number) => {
    if (o.static) return;
    const read = demand.read(now, new Map(o.modes.map((m) => [m.name, inFlight(m.name)])));
    const result = planCapacity(
      {
        now,
        target: o.target,
        maxGpus: o.capacity.maxGpus,
        powerBudgetWatts: o.capacity.powerBudgetWatts,
        scaleDownDelaySeconds: o.capacity.scaleDownDelaySeconds,
        idleToZeroSeconds: o.capacity.idleToZeroSeconds,
        modes: o.modes.map((m) => ({
          ...m,
          ...pool.count(m.name, now),
          demand: read.get(m.name) ?? QUIET,
        })),
      },
      state,
    );
    state = result.state;
    for (const p of result.modes) {
      pool.setReplicas(p.mode, p.replicas, now);
      reasons[p.mode] = p.reason;
      replicas.push({ t: now, mode: p.mode, desired: p.replicas, ready: pool.count(p.mode, now).ready });
    }
  };

  const sorted = [...o.requests].sort((a, b) => a.arrivalSeconds - b.arrivalSeconds || a.id - b.id);
  let nextPlan = 0;
  for (const request of sorted) {
    const at = request.arrivalSeconds;
    for (; nextPlan <= at; nextPlan += PLAN_INTERVAL_SECONDS) {
      pool.advanceTo(nextPlan);
      plan(nextPlan);
    }
    pool.advanceTo(at);
    const d = o.dispatch(request, at, pool);
    const pod = d.pod;
    pod.inFlight += 1;
    pod.core.submit(coreRequestOf(request, pod.core.mode.prefixCaching), (event) => {
      if (event.type !== 'done') return;
      pod.inFlight -= 1;
      // Counted when it finishes, with the tokens it generated, as the router counts it.
      demand.finished(pod.mode, d.wanted, at, event.result);
      outcomes.push({ request, mode: pod.mode, result: event.result });
    });
  }
  const end = pool.finish();
  const pods = pool.pods();
  return {
    outcomes,
    seconds: end,
    energyJoules: pods.reduce((s, p) => s + p.core.energyJoules(), 0),
    requestEnergyJoules: outcomes.reduce((s, x) => s + x.result.energyJoules, 0),
    gpuSeconds: pods.reduce((s, p) => s + ((p.stoppedAt ?? end) - p.startedAt) * p.core.tensorParallel, 0),
    replicas,
    reasons,
  };
}
