import { batchWithin, evaluate, predictInterToken, type ModeModel } from '../model/mode-model.js';

/** The latency a mode must keep, as the planner reads spec.objective. */
export interface LatencyTarget {
  ttftP95Seconds: number;
  interToken: { statistic: 'mean' | 'p95'; seconds: number };
}

/** Traffic offered to one mode. */
export interface Traffic {
  requestsPerSecond: number;
  meanPromptTokens: number;
  meanOutputTokens: number;
}

/**
 * Assumed ratios between tail and mean, so a mean-value model can size for a p95 target: inter-token times within a
 * batch vary little (p95 ≈ 1.25 × mean; more under speculative decoding, which the mean already averages), and
 * queueing waits are near-exponential (p95 of an exponential wait is ln 20 ≈ 3 × its mean).
 */
export const P95_OVER_MEAN = { interToken: 1.25, queueWait: 3 } as const;

/** Share of the SLO-limited batch the planner fills when sizing up, leaving room for bursts between decisions. */
export const FILL_UP = 0.8;
/** Share it must fit under before giving a replica back: the gap to FILL_UP is the hysteresis band. */
export const FILL_DOWN = 0.6;
/** The most replicas sizing will consider for one mode. */
const MAX_SEARCH = 4096;

export interface ReplicaLoad {
  /** Sequences in flight per replica (Little's law on time in system). */
  batch: number;
  interTokenSeconds: number;
  ttftP95Seconds: number;
}

/**
 * Steady load on each of `replicas` replicas sharing the traffic evenly, or undefined when the replicas cannot keep
 * up at all. Batch c solves c = λ·(TTFT + out·itl(c)) with itl linear in c; TTFT is prefill plus an M/D/1 wait for
 * the prefill work of other arrivals, plus one decode step.
 */
export function replicaLoad(model: ModeModel, traffic: Traffic, replicas: number): ReplicaLoad | undefined {
  const rate = traffic.requestsPerSecond / replicas;
  const service = Math.max(0, evaluate(model.prefill, traffic.meanPromptTokens));
  const rho = rate * service;
  if (rho >= 1) return undefined;
  const meanWait = (rho * service) / (2 * (1 - rho));
  const ttftMean = service + meanWait;
  const { intercept, slope } = model.interToken;
  const denominator = 1 - rate * traffic.meanOutputTokens * slope;
  if (denominator <= 0) return undefined;
  const batch = (rate * (ttftMean + traffic.meanOutputTokens * intercept)) / denominator;
  const interTokenSeconds = predictInterToken(model, batch);
  return { batch, interTokenSeconds, ttftP95Seconds: service + P95_OVER_MEAN.queueWait * meanWait + interTokenSeconds };
}

/** The mean inter-token time that meets the target (a p95 target is converted with P95_OVER_MEAN). */
export function meanInterTokenTarget(target: LatencyTarget): number {
  return target.interToken.statistic === 'p95'
    ? target.interToken.seconds / P95_OVER_MEAN.interToken
    : target.interToken.seconds;
}

export interface Sizing {
  replicas: number;
  /** False when no replica count meets the target (a single sequence is already too slow). */
  feasible: boolean;
  load?: ReplicaLoad;
}

/**
 * The fewest replicas whose predicted load meets the latency target with each replica's batch at most `fill` of the
 * largest batch that keeps the inter-token target. Zero traffic needs zero replicas.
 */
export function replicasFor(model: ModeModel, traffic: Traffic, target: LatencyTarget, fill: number): Sizing {
  if (traffic.requestsPerSecond <= 0) return { replicas: 0, feasible: true };
  const itlTarget = meanInterTokenTarget(target);
  // Even one lone sequence misses the target: size for throughput only, and say so.
  const feasible =
    predictInterToken(model, 1) <= itlTarget &&
    evaluate(model.prefill, traffic.meanPromptTokens) + predictInterToken(model, 1) <= target.ttftP95Seconds;
  const batchLimit = Math.max(1, (feasible ? batchWithin(model, itlTarget) : model.maxBatch) * fill);
  for (let n = 1; n <= MAX_SEARCH; n += 1) {
    const load = replicaLoad(model, traffic, n);
    if (!load || load.batch > batchLimit) continue;
    if (!feasible || (load.interTokenSeconds <= itlTarget && load.ttftP95Seconds <= target.ttftP95Seconds))
      return { replicas: n, feasible, load };
  }
  return { replicas: MAX_SEARCH, feasible: false };
}
