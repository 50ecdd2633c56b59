import type { BenchRow } from './rows.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const s3 = (x: number) => x.toFixed(3);

/** The table as GitHub Markdown. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const header = [
    'strategy',
    'GPUs',
    'mean latency s',
    'p95 latency s',
    'mean TTFT s',
    'J/out token (per request)',
    'J/out token (fleet)',
    'GPU energy kWh',
    'quality Δ pts',
    'latency vs FP16',
    'energy/token saved per request (fleet)',
    'of oracle savings (fleet)',
    'mode mix',
  ];
  const lines = rows.map((r) => [
    r.strategy,
    String(r.gpus),
    s3(r.meanLatencySeconds),
    s3(r.p95LatencySeconds),
    s3(r.meanTtftSeconds),
    s3(r.requestJoulesPerOutputToken),
    s3(r.joulesPerOutputToken),
    r.gpuEnergyKWh.toFixed(3),
    r.qualityDeltaPoints.toFixed(2),
    `${r.latencySpeedup.toFixed(2)}x`,
    `${pct(r.requestEnergySaving)} (${pct(r.fleetEnergySaving)})`,
    r.oracleSavingsCaptured === undefined
      ? '—'
      : `${pct(r.oracleSavingsCaptured)} (${r.fleetOracleSavingsCaptured === undefined ? '—' : pct(r.fleetOracleSavingsCaptured)})`,
    r.modeMix + (r.unroutable > 0 ? `; ${r.unroutable} unroutable` : ''),
  ]);
  return [header, header.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}
