import type { RequestResult } from '../sim/engine/core-types.js';
import type { WorkloadRequest } from '../sim/workload/synthesize.js';
import { coreRequestOf } from './fleet/core-request.js';
import type { Dispatcher } from './fleet/dispatcher.js';
import type { FleetGpu } from './fleet/pool.js';

export interface FleetOutcome {
  request: WorkloadRequest;
  mode: string;
  gpu: number;
  rule?: string;
  unroutable: boolean;
  result: RequestResult;
}

export interface FleetRun {
  outcomes: FleetOutcome[];
  /** Simulated seconds from 0 to the last completion. */
  seconds: number;
  /** Energy of every GPU over the whole run, idle included: what DCGM counters show. */
  energyJoules: number;
  /** Energy charged to requests: the sum of each request's share of the iterations that served it. */
  requestEnergyJoules: number;
  gpus: number;
  /** Energy per GPU, for per-mode figures. */
  energyByGpu: number[];
}

export interface ReplayFleetOptions {
  gpus: readonly FleetGpu[];
  dispatcher: Dispatcher;
  requests: readonly WorkloadRequest[];
  /** Telemetry scrape period, simulated seconds (the policy's telemetry.interval). */
  tickSeconds: number;
}

/** Replays arrivals through a fleet of engine cores in simulated time: no sockets, no timers, deterministic. */
export function replayFleet(options: ReplayFleetOptions): FleetRun {
  const { gpus, dispatcher } = options;
  if (!(options.tickSeconds > 0)) throw new Error(`tickSeconds must be > 0, got ${options.tickSeconds}`);
  const start = gpus.map((g) => g.core.energyJoules());
  const t0 = Math.max(...gpus.map((g) => g.core.now()));
  const advanceAll = (t: number) => {
    for (const g of gpus) g.core.advanceTo(t);
  };
  const outcomes: FleetOutcome[] = [];
  const sorted = [...options.requests].sort((a, b) => a.arrivalSeconds - b.arrivalSeconds || a.id - b.id);
  let nextTick = t0;
  for (const request of sorted) {
    const at = t0 + request.arrivalSeconds;
    for (; nextTick <= at; nextTick += options.tickSeconds) {
      advanceAll(nextTick);
      dispatcher.observe?.(nextTick);
    }
    advanceAll(at);
    const d = dispatcher.dispatch(request, at);
    const gpu = d.gpu;
    gpu.inFlight += 1;
    const core = coreRequestOf(request, gpu.core.mode.prefixCaching);
    if (d.adapter !== undefined) core.adapter = d.adapter;
    gpu.core.submit(core, (event) => {
      if (event.type !== 'done') return;
      gpu.inFlight -= 1;
      d.onDone?.();
      const outcome: FleetOutcome = {
        request,
        mode: gpu.mode,
        gpu: gpu.index,
        unroutable: d.unroutable ?? false,
        result: event.result,
      };
      if (d.rule !== undefined) outcome.rule = d.rule;
      outcomes.push(outcome);
    });
  }
  for (const g of gpus) g.core.runUntilIdle();
  const end = Math.max(...gpus.map((g) => g.core.now()));
  advanceAll(end);
  const energyByGpu = gpus.map((g, i) => g.core.energyJoules() - (start[i] as number));
  return {
    outcomes,
    seconds: end - t0,
    energyJoules: energyByGpu.reduce((a, b) => a + b, 0),
    requestEnergyJoules: outcomes.reduce((s, o) => s + o.result.energyJoules, 0),
    gpus: gpus.length,
    energyByGpu,
  };
}
