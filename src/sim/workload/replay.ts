import type { CoreRequest, RequestResult } from '../engine/core-types.js';
import type { EngineCore } from '../engine/core.js';
import { summarise, type WorkloadSummary } from './summary.js';

export interface TimedRequest {
  /** Arrival, simulated seconds from the start of the replay. */
  at: number;
  request: CoreRequest;
}

/** Replays timed arrivals (a trace, or a Poisson process) through a bare core, faster than real time. */
export function replayArrivals(
  core: EngineCore,
  arrivals: readonly TimedRequest[],
): { summary: WorkloadSummary; results: RequestResult[] } {
  const start = core.now();
  const energyStart = core.energyJoules();
  const results: RequestResult[] = [];
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  for (const { at, request } of sorted) {
    core.advanceTo(start + at);
    core.submit(request, (event) => {
      if (event.type === 'done') results.push(event.result);
    });
  }
  core.runUntilIdle();
  return { summary: summarise(results, core.now() - start, core.energyJoules() - energyStart), results };
}
