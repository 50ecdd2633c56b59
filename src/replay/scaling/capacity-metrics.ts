import type { LatencyTarget } from '../../capacity/sizing.js';
import { meanInterTokenTarget } from '../../capacity/sizing.js';
import type { RequestType } from '../../model/types.js';
import { quantile, type ModeShare } from '../fleet-metrics.js';
import type { ScaledOutcome } from './replay-scaled.js';

/** What the capacity benchmark reports per strategy: the pool at the SLO. */
export interface CapacityMetrics {
  requests: number;
  outputTokens: number;
  /** GPUs held over the replay (loading included), hours. */
  gpuHours: number;
  /** Energy of every GPU held, idle and loading included, per output token. */
  fleetJoulesPerOutputToken: number;
  /** Each request's share of the iterations that served it, per output token. */
  requestJoulesPerOutputToken: number;
  meanLatencySeconds: number;
  ttftP95Seconds: number;
  /** Mean over requests with more than one output token of their mean time between tokens. */
  interTokenMeanSeconds: number;
  /** Share of requests whose first token came within the TTFT target and whose mean inter-token time met its target. */
  sloAttainment: number;
  qualityDeltaPoints: number;
  modeShares: ModeShare[];
}

export interface PoolTotals {
  energyJoules: number;
  requestEnergyJoules: number;
  gpuSeconds: number;
}

/** Per-request time between output tokens after the first; undefined for one-token answers. */
function interTokenSeconds(o: ScaledOutcome): number | undefined {
  const r = o.result;
  if (r.outputTokens <= 1 || r.firstTokenTime === undefined) return undefined;
  return (r.finishTime - r.firstTokenTime) / (r.outputTokens - 1);
}

export function capacityMetrics(
  outcomes: readonly ScaledOutcome[],
  totals: PoolTotals,
  quality: (mode: string, type: RequestType) => number,
  target: LatencyTarget,
): CapacityMetrics {
  const n = outcomes.length;
  const ttft = (o: ScaledOutcome) => (o.result.firstTokenTime ?? o.result.finishTime) - o.result.arrivalTime;
  const ttfts = outcomes.map(ttft).sort((a, b) => a - b);
  const itls = outcomes.map(interTokenSeconds).filter((x): x is number => x !== undefined);
  const itlTarget = meanInterTokenTarget(target);
  let met = 0;
  let qualitySum = 0;
  let latency = 0;
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const itl = interTokenSeconds(o);
    if (ttft(o) <= target.ttftP95Seconds && (itl === undefined || itl <= itlTarget)) met += 1;
    qualitySum += quality(o.mode, o.request.type);
    latency += o.result.finishTime - o.result.arrivalTime;
    counts.set(o.mode, (counts.get(o.mode) ?? 0) + 1);
  }
  const outputTokens = outcomes.reduce((s, o) => s + o.result.outputTokens, 0);
  return {
    requests: n,
    outputTokens,
    gpuHours: totals.gpuSeconds / 3600,
    fleetJoulesPerOutputToken: outputTokens > 0 ? totals.energyJoules / outputTokens : 0,
    requestJoulesPerOutputToken: outputTokens > 0 ? totals.requestEnergyJoules / outputTokens : 0,
    meanLatencySeconds: n > 0 ? latency / n : 0,
    ttftP95Seconds: quantile(ttfts, 0.95),
    interTokenMeanSeconds: itls.length > 0 ? itls.reduce((a, b) => a + b, 0) / itls.length : 0,
    sloAttainment: n > 0 ? met / n : 0,
    qualityDeltaPoints: n > 0 ? qualitySum / n : 0,
    modeShares: [...counts]
      .map(([mode, requests]) => ({ mode, requests, share: requests / n }))
      .sort((a, b) => b.requests - a.requests),
  };
}
