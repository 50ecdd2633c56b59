import type { CoreRequest, RequestResult } from '../engine/core-types.js';
import type { EngineCore } from '../engine/core.js';
import { summarise, type WorkloadSummary } from './summary.js';

export interface ClosedLoopOptions {
  core: EngineCore;
  /** Requests kept in flight: a new one arrives as soon as one finishes (a benchmark client's "batch size"). */
  concurrency: number;
  requests: number;
  /** Builds request i (ids are filled in). */
  request: (i: number) => Omit<CoreRequest, 'id'>;
}

/** Runs a closed-loop client against a bare core in simulated time (no sockets, no timers). */
export function runClosedLoop(options: ClosedLoopOptions): WorkloadSummary {
  const { core } = options;
  const start = core.now();
  const energyStart = core.energyJoules();
  const results: RequestResult[] = [];
  let submitted = 0;
  const submitNext = (): void => {
    if (submitted >= options.requests) return;
    const i = submitted;
    submitted += 1;
    core.submit({ ...options.request(i), id: `req-${i}` }, (event) => {
      if (event.type !== 'done') return;
      results.push(event.result);
      submitNext();
    });
  };
  for (let i = 0; i < options.concurrency; i += 1) submitNext();
  core.runUntilIdle();
  return summarise(results, core.now() - start, core.energyJoules() - energyStart);
}
