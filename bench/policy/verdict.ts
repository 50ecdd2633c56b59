import type { BenchRow } from './rows.js';

/** The published single-GPU result the benchmark checks the policy against. */
export const TARGETS = {
  latencySpeedup: 2.1,
  energySaving: 0.517,
  maxQualityLossPoints: 0.2,
  oracleSavingsCaptured: 0.9,
} as const;

/** One line per target: the policy's figure and whether it meets it. */
export function verdictLines(rows: readonly BenchRow[]): string[] {
  const p = rows.find((r) => r.kind === 'policy');
  if (!p) return ['no policy row'];
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const captured = p.oracleSavingsCaptured;
  return [
    `- mean latency ${p.latencySpeedup.toFixed(2)}x lower than always-FP16 (target ≥ ${TARGETS.latencySpeedup}x): ${mark(p.latencySpeedup >= TARGETS.latencySpeedup)}`,
    `- energy per output token ${(p.requestEnergySaving * 100).toFixed(1)}% lower, per request as published (target ≥ ${TARGETS.energySaving * 100}%): ${mark(p.requestEnergySaving >= TARGETS.energySaving)}; over the whole pool, idle GPUs included: ${(p.fleetEnergySaving * 100).toFixed(1)}% (not comparable with the single-GPU figure, see docs/policy-benchmark.md)`,
    `- modelled quality ${p.qualityDeltaPoints.toFixed(2)} points (target within ${TARGETS.maxQualityLossPoints}): ${mark(p.qualityDeltaPoints >= -TARGETS.maxQualityLossPoints - 1e-9)}`,
    `- share of the oracle's energy savings captured: ${captured === undefined ? 'n/a (the oracle saves nothing)' : `${(captured * 100).toFixed(0)}%`} (target ≥ ${TARGETS.oracleSavingsCaptured * 100}%): ${mark(captured !== undefined && captured >= TARGETS.oracleSavingsCaptured)}`,
  ];
}
