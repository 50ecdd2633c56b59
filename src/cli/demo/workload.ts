import { loadTrace, sliceTrace, type TraceName } from '../../sim/workload/trace.js';
import { synthesizeWorkload, type WorkloadRequest } from '../../sim/workload/synthesize.js';

export interface DemoWorkloadOptions {
  trace: TraceName;
  durationSeconds: number;
  /** Requests per second; undefined keeps the trace's rate. */
  rate?: number;
  seed: number;
}

/**
 * The first `durationSeconds` of the trace with types, difficulty and prefixes drawn for the seed. A rate stretches
 * or compresses the arrival times (the trace's burstiness stays), taking more of the trace when the rate is higher.
 */
export function demoWorkload(o: DemoWorkloadOptions): WorkloadRequest[] {
  const trace = loadTrace(o.trace);
  const span = trace[trace.length - 1]?.arrivalSeconds ?? 0;
  const traceRate = trace.length / Math.max(1, span);
  const stretch = o.rate === undefined ? 1 : traceRate / o.rate;
  const records = sliceTrace(trace, 0, o.durationSeconds / stretch).map((r) => ({
    ...r,
    arrivalSeconds: r.arrivalSeconds * stretch,
  }));
  return synthesizeWorkload(records, { trace: o.trace, seed: o.seed });
}
