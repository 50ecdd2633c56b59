import { savingAgainst } from '../../src/replay/fleet-metrics.js';
import type { CapacityMetrics } from '../../src/replay/scaling/capacity-metrics.js';
import type { CapacityStrategyResult } from '../../src/replay/scaling/capacity-strategies.js';
import { TARGETS } from './verdict.js';

/** One strategy of the capacity comparison: the figures policy.json carries, and savings against always-FP16. */
export interface CapacityRow extends Omit<CapacityMetrics, 'modeShares' | 'outputTokens'> {
  strategy: string;
  kind: string;
  /** 1 − fleet J/token ÷ always-FP16 autoscaled's. */
  fleetEnergySaving: number;
  modeMix: string;
}

export function capacityRows(results: readonly CapacityStrategyResult[]): CapacityRow[] {
  const base = results.find((r) => r.kind === 'baseline')?.metrics;
  if (!base) throw new Error('a capacity comparison needs its baseline');
  return results.map((r) => {
    const { modeShares, outputTokens: _tokens, ...m } = r.metrics;
    return {
      strategy: r.name,
      kind: r.kind,
      ...m,
      fleetEnergySaving: savingAgainst(base.fleetJoulesPerOutputToken, m.fleetJoulesPerOutputToken),
      modeMix: modeShares.map((x) => `${x.mode} ${(x.share * 100).toFixed(0)}%`).join(', '),
    };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const s3 = (x: number) => x.toFixed(3);

export function capacityTable(rows: readonly CapacityRow[]): string {
  const header = [
    'strategy',
    'GPU hours',
    'J/out token (fleet)',
    'J/out token (per request)',
    'fleet saving vs FP16',
    'mean latency s',
    'p95 TTFT s',
    'mean ITL s',
    'SLO attainment',
    'quality Δ pts',
    'mode mix',
  ];
  const lines = rows.map((r) => [
    r.strategy,
    r.gpuHours.toFixed(2),
    s3(r.fleetJoulesPerOutputToken),
    s3(r.requestJoulesPerOutputToken),
    pct(r.fleetEnergySaving),
    s3(r.meanLatencySeconds),
    s3(r.ttftP95Seconds),
    r.interTokenMeanSeconds.toFixed(4),
    pct(r.sloAttainment),
    r.qualityDeltaPoints.toFixed(2),
    r.modeMix,
  ]);
  return [header, header.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/** The targets for ModeSwitch with capacity: pool energy, SLO attainment, quality, and the best fixed mode. */
export function capacityVerdict(rows: readonly CapacityRow[]): string[] {
  const ms = rows.find((r) => r.kind === 'modeswitch');
  const base = rows.find((r) => r.kind === 'baseline');
  if (!ms || !base) return ['no ModeSwitch or baseline row'];
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const fixed = rows
    .filter((r) => r.kind === 'fixed' || r.kind === 'baseline')
    .filter((r) => r.sloAttainment <= ms.sloAttainment + 1e-9);
  const best = [...fixed].sort((a, b) => a.fleetJoulesPerOutputToken - b.fleetJoulesPerOutputToken)[0];
  return [
    `- pool energy per output token ${pct(ms.fleetEnergySaving)} below always-FP16 autoscaled (target ≥ ${TARGETS.energySaving * 100}%): ${mark(ms.fleetEnergySaving >= TARGETS.energySaving)}`,
    `- SLO attainment ${pct(ms.sloAttainment)} against always-FP16's ${pct(base.sloAttainment)} (target: at least as high): ${mark(ms.sloAttainment >= base.sloAttainment)}`,
    `- modelled quality ${ms.qualityDeltaPoints.toFixed(2)} points (target within ${TARGETS.maxQualityLossPoints}): ${mark(ms.qualityDeltaPoints >= -TARGETS.maxQualityLossPoints - 1e-9)}`,
    best
      ? `- against the best single mode at no better SLO attainment (${best.strategy}, ${s3(best.fleetJoulesPerOutputToken)} J/token): ${s3(ms.fleetJoulesPerOutputToken)} J/token, ${mark(ms.fleetJoulesPerOutputToken < best.fleetJoulesPerOutputToken)}`
      : '- every single mode reaches a higher SLO attainment than ModeSwitch: NOT met',
  ];
}
