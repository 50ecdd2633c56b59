import { savingAgainst, type FleetMetrics } from '../../src/replay/fleet-metrics.js';
import type { Comparison } from '../../src/replay/strategies.js';

type ReportedMetrics = Pick<
  FleetMetrics,
  | 'requests'
  | 'meanLatencySeconds'
  | 'p95LatencySeconds'
  | 'meanTtftSeconds'
  | 'p95TtftSeconds'
  | 'joulesPerOutputToken'
  | 'requestJoulesPerOutputToken'
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
  /**
   * 1 − J/token ÷ baseline J/token, each request charged its share of the iterations that served it: the published
   * result's method (GPU power × the request's own run time, per request), and the figure the targets are checked on.
   */
  requestEnergySaving: number;
  /** The same over every GPU of the pool for the whole replay, idle time and idle GPUs included. */
  fleetEnergySaving: number;
  /** This strategy's per-request J/token saving over the oracle's; undefined for the baseline and the oracle. */
  oracleSavingsCaptured?: number;
  /** The same on fleet energy. */
  fleetOracleSavingsCaptured?: number;
  modeMix: string;
}

/** Table rows for a comparison; the first strategy is the baseline. */
export function benchRows(c: Comparison): BenchRow[] {
  const base = c.strategies[0]?.metrics;
  const oracle = c.strategies.find((s) => s.kind === 'oracle')?.metrics;
  if (!base || !oracle) throw new Error('a comparison needs a baseline and an oracle');
  const oracleSaving = base.requestJoulesPerOutputToken - oracle.requestJoulesPerOutputToken;
  const fleetOracleSaving = base.joulesPerOutputToken - oracle.joulesPerOutputToken;
  return c.strategies.map((s) => {
    const m = s.metrics;
    const row: BenchRow = {
      strategy: s.name,
      kind: s.kind,
      gpus: s.gpus,
      requests: m.requests,
      meanLatencySeconds: m.meanLatencySeconds,
      p95LatencySeconds: m.p95LatencySeconds,
      meanTtftSeconds: m.meanTtftSeconds,
      p95TtftSeconds: m.p95TtftSeconds,
      joulesPerOutputToken: m.joulesPerOutputToken,
      requestJoulesPerOutputToken: m.requestJoulesPerOutputToken,
      gpuEnergyKWh: m.energyJoules / 3.6e6,
      qualityDeltaPoints: m.qualityDeltaPoints,
      latencySpeedup: base.meanLatencySeconds / m.meanLatencySeconds,
      requestEnergySaving: savingAgainst(base.requestJoulesPerOutputToken, m.requestJoulesPerOutputToken),
      fleetEnergySaving: savingAgainst(base.joulesPerOutputToken, m.joulesPerOutputToken),
      unroutable: m.unroutable,
      modeMix: m.modeShares.map((x) => `${x.mode} ${(x.share * 100).toFixed(0)}%`).join(', '),
    };
    if (s.kind !== 'baseline' && s.kind !== 'oracle') {
      if (oracleSaving > 0)
        row.oracleSavingsCaptured = (base.requestJoulesPerOutputToken - m.requestJoulesPerOutputToken) / oracleSaving;
      if (fleetOracleSaving > 0)
        row.fleetOracleSavingsCaptured = (base.joulesPerOutputToken - m.joulesPerOutputToken) / fleetOracleSaving;
    }
    return row;
  });
}
