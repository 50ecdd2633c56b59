import type { FleetMetrics } from '../../src/sim/fleet/fleet-metrics.js';
import type { Comparison } from '../../src/sim/fleet/strategies.js';

type ReportedMetrics = Pick<
  FleetMetrics,
  | 'requests'
  | 'meanLatencySeconds'
  | 'p95LatencySeconds'
  | 'meanTtftSeconds'
  | 'p95TtftSeconds'
  | 'joulesPerOutputToken'
  | 'activeJoulesPerOutputToken'
  | 'qualityDeltaPoints'
  | 'unroutable'
>;

/** One line of the policy benchmark table: a strategy's figures and how they compare with always-FP16. */
export interface BenchRow extends ReportedMetrics {
  strategy: string;
  kind: string;
  gpus: number;
  gpuEnergyKWh: number;
  /** Baseline mean latency over this strategy's. */
  latencySpeedup: number;
  /** 1 − J/token ÷ baseline J/token (all GPUs, idle included). */
  energySaving: number;
  activeEnergySaving: number;
  /** This strategy's J/token saving over the oracle's; undefined for the baseline and the oracle. */
  oracleSavingsCaptured?: number;
  modeMix: string;
}

/** Table rows for a comparison; the first strategy is the baseline. */
export function benchRows(c: Comparison): BenchRow[] {
  const base = c.strategies[0]?.metrics;
  const oracle = c.strategies.find((s) => s.kind === 'oracle')?.metrics;
  if (!base || !oracle) throw new Error('a comparison needs a baseline and an oracle');
  const oracleSaving = base.joulesPerOutputToken - oracle.joulesPerOutputToken;
  return c.strategies.map((s) => {
    const m = s.metrics;
    const row: BenchRow = {
      strategy: s.name, kind: s.kind, gpus: s.gpus, requests: m.requests,
      meanLatencySeconds: m.meanLatencySeconds, p95LatencySeconds: m.p95LatencySeconds, meanTtftSeconds: m.meanTtftSeconds, p95TtftSeconds: m.p95TtftSeconds,
      joulesPerOutputToken: m.joulesPerOutputToken, activeJoulesPerOutputToken: m.activeJoulesPerOutputToken, gpuEnergyKWh: m.energyJoules / 3.6e6,
      qualityDeltaPoints: m.qualityDeltaPoints,
      latencySpeedup: base.meanLatencySeconds / m.meanLatencySeconds,
      energySaving: 1 - m.joulesPerOutputToken / base.joulesPerOutputToken,
      activeEnergySaving: 1 - m.activeJoulesPerOutputToken / base.activeJoulesPerOutputToken,
      unroutable: m.unroutable,
      modeMix: m.modeShares.map((x) => `${x.mode} ${(x.share * 100).toFixed(0)}%`).join(', '),
    };
    if (s.kind !== 'baseline' && s.kind !== 'oracle' && oracleSaving > 0) {
      row.oracleSavingsCaptured = (base.joulesPerOutputToken - m.joulesPerOutputToken) / oracleSaving;
    }
    return row;
  });
}
