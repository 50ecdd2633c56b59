import type { BenchRow } from './rows.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const s3 = (x: number) => x.toFixed(3);

/** The table as GitHub Markdown. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const header = [
    'strategy', 'GPUs', 'mean latency s', 'p95 latency s', 'mean TTFT s', 'J/out token (all GPUs)', 'J/out token (active)',
    'GPU energy kWh', 'quality Δ pts', 'latency vs FP16', 'energy/token saved', 'of oracle savings', 'mode mix',
  ];
  const lines = rows.map((r) => [
    r.strategy, String(r.gpus), s3(r.meanLatencySeconds), s3(r.p95LatencySeconds), s3(r.meanTtftSeconds), s3(r.joulesPerOutputToken),
    s3(r.activeJoulesPerOutputToken), r.gpuEnergyKWh.toFixed(3), r.qualityDeltaPoints.toFixed(2), `${r.latencySpeedup.toFixed(2)}x`,
    `${pct(r.energySaving)} (active ${pct(r.activeEnergySaving)})`, r.oracleSavingsCaptured === undefined ? '—' : pct(r.oracleSavingsCaptured),
    r.modeMix + (r.unroutable > 0 ? `; ${r.unroutable} unroutable` : ''),
  ]);
  return [header, header.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}
