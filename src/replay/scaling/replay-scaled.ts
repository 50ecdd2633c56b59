import type { ModeModel } from '../../model/mode-model.js';
import { PLAN_INTERVAL_SECONDS } from '../../capacity/burst.js';
import { QUIET } from '../../capacity/demand.js';
import { planCapacity, type PlannerState } from '../../capacity/planner.js';
import { plannedModel } from '../../capacity/router-demand.js';
import type { LatencyTarget } from '../../capacity/sizing.js';
import type { LiveModeModels } from '../../router/learn/live-mode-models.js';
import type { RequestResult } from '../../sim/engine/core-types.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { coreRequestOf } from '../fleet/core-request.js';
import { DemandWindow } from './demand-window.js';
import type { ScaledDispatcher } from './scaled-dispatch.js';
import type { ScalingPool } from './scaling-pool.js';

/** A mode as the planner sizes it in a replay. */
export interface ReplayMode {
  name: string;
  /** The seed: the planner sizes with the fit's lines in place of its own once requests were observed. */
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
  /**
   * The router's live models (a ReplayRouter's, or seeded from the policy as a router would): every streamed answer
   * that finishes refits its mode as the router refits it, and the planner sizes with what they publish.
   */
  models: LiveModeModels;
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
 * operator's code) sizes each mode from the demand of the requests finished so far (the operator's demand function)
 * with the model the router's fitting code learned from the answers finished so far and each pod's power at every
 * step (as the operator plans on the routers' published fit), new pods load for their mode's start time before they serve, and pods scaled away drain
 * and stop. Simulated time only: deterministic.
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

  // Each serving pod's energy at the previous planning step: its average power since, as DCGM's counter gives it.
  const energyAt = new Map<number, { t: number; joules: number }>();
  const learnPower = (now: number) => {
    for (const p of pool.pods()) {
      if (p.readyAt > now || p.stoppedAt !== undefined) continue;
      const joules = p.core.energyJoules();
      const prev = energyAt.get(p.index);
      energyAt.set(p.index, { t: now, joules });
      if (!prev || now <= prev.t) continue;
      const load = { inFlight: p.inFlight, queueDepth: p.core.queueDepth(), running: p.core.runningCount() };
      o.models.observePodPower(p.mode, load, (joules - prev.joules) / (now - prev.t));
    }
  };

  const plan = (now: number) => {
    if (o.static) return;
    learnPower(now);
    const read = demand.read(now, new Map(o.modes.map((m) => [m.name, inFlight(m.name)])));
    const fitted = o.models.fitted();
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
          model: plannedModel(m.model, fitted.get(m.name)),
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

  // As the router's learnFrom: a streamed answer that succeeded (the replay streams every request), at the batch
  // its pod had once it joined.
  const learn = (mode: string, batch: number | undefined, at: number, r: RequestResult) => {
    if (batch === undefined || r.finishReason === 'abort' || r.firstTokenTime === undefined) return;
    o.models.observeAnswer({
      mode,
      batch,
      promptTokens: r.promptTokens,
      outputTokens: r.outputTokens,
      startedAtMs: at * 1000,
      firstByteAtMs: r.firstTokenTime * 1000,
      endedAtMs: r.finishTime * 1000,
    });
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
    const batch = d.batch;
    pod.inFlight += 1;
    pod.core.submit(coreRequestOf(request, pod.core.mode.prefixCaching), (event) => {
      if (event.type !== 'done') return;
      pod.inFlight -= 1;
      // Counted when it finishes, with the tokens it generated, as the router counts it.
      demand.finished(pod.mode, d.wanted, at, event.result);
      learn(pod.mode, batch, at, event.result);
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
