import type { RequestType } from '../model/types.js';
import type { FleetRun } from './replay-fleet.js';

export interface ModeShare {
  mode: string;
  share: number;
  requests: number;
}

/** What the benchmark reports for one strategy. */
export interface FleetMetrics {
  requests: number;
  outputTokens: number;
  meanLatencySeconds: number;
  p95LatencySeconds: number;
  meanTtftSeconds: number;
  p95TtftSeconds: number;
  /** All GPUs over the whole replay, idle included, per output token. */
  joulesPerOutputToken: number;
  /** Each request charged its share of the iterations that served it (idle gaps excluded), per output token. */
  requestJoulesPerOutputToken: number;
  energyJoules: number;
  /** Mean modelled accuracy change versus FP16 over the requests, points (negative is worse). */
  qualityDeltaPoints: number;
  modeShares: ModeShare[];
  /** Requests the router would have refused (every mode guarded off). */
  unroutable: number;
  seconds: number;
}

/** The value below which a share `q` of the sorted values lies (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** 1 − value ÷ baseline: the share saved against a baseline figure; 0 when the baseline is 0. */
export function savingAgainst(baseline: number, value: number): number {
  return baseline > 0 ? 1 - value / baseline : 0;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** `quality`: a mode's accuracy change for a request type (model/quality.ts, qualityOfModes). */
export function fleetMetrics(run: FleetRun, quality: (mode: string, type: RequestType) => number): FleetMetrics {
  const latencies = run.outcomes.map((o) => o.result.finishTime - o.result.arrivalTime).sort((a, b) => a - b);
  const ttfts = run.outcomes
    .map((o) => (o.result.firstTokenTime ?? o.result.finishTime) - o.result.arrivalTime)
    .sort((a, b) => a - b);
  const outputTokens = run.outcomes.reduce((s, o) => s + o.result.outputTokens, 0);
  const counts = new Map<string, number>();
  let qualitySum = 0;
  for (const o of run.outcomes) {
    counts.set(o.mode, (counts.get(o.mode) ?? 0) + 1);
    qualitySum += quality(o.mode, o.request.type);
  }
  const n = run.outcomes.length;
  return {
    requests: n,
    outputTokens,
    meanLatencySeconds: mean(latencies),
    p95LatencySeconds: quantile(latencies, 0.95),
    meanTtftSeconds: mean(ttfts),
    p95TtftSeconds: quantile(ttfts, 0.95),
    joulesPerOutputToken: outputTokens > 0 ? run.energyJoules / outputTokens : 0,
    requestJoulesPerOutputToken: outputTokens > 0 ? run.requestEnergyJoules / outputTokens : 0,
    energyJoules: run.energyJoules,
    qualityDeltaPoints: n > 0 ? qualitySum / n : 0,
    modeShares: [...counts]
      .map(([mode, requests]) => ({ mode, requests, share: requests / n }))
      .sort((a, b) => b.requests - a.requests),
    unroutable: run.outcomes.filter((o) => o.unroutable).length,
    seconds: run.seconds,
  };
}
