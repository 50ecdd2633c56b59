import type { FleetMetrics } from '../../replay/fleet-metrics.js';
import { quantile, savingAgainst } from '../../replay/fleet-metrics.js';
import type { SentRequest } from './send-request.js';

export interface SummaryInput {
  results: readonly SentRequest[];
  /** Simulated seconds per wall second: client wall times are scaled back to simulated time. */
  speedup: number;
  /** GPU energy of each mode's engines over the replay, joules. */
  energyByMode: ReadonlyMap<string, number>;
  /** The mode whose engines serve `mode` (an adapter's base); itself when omitted. */
  podsModeOf?: (mode: string) => string;
  /** Modelled accuracy change of a mode for a request type, points. */
  quality: (mode: string, type: SentRequest['request']['type']) => number;
  /** Always-FP16 on the same GPU count and the same requests (fleet replay in simulated time). */
  baseline: FleetMetrics;
}

export interface ModeRow {
  mode: string;
  share: number;
  p50LatencySeconds: number;
  p95LatencySeconds: number;
  meanTtftSeconds: number | undefined;
  joulesPerOutputToken: number;
}

export interface DemoSummary {
  requests: number;
  failed: number;
  modes: ModeRow[];
  meanLatencySeconds: number;
  joulesPerOutputToken: number;
  qualityDeltaPoints: number;
  latencySpeedup: number;
  energySaving: number;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Per-mode and overall figures of a replay, in simulated seconds. Pure. */
export function summariseDemo(input: SummaryInput): DemoSummary {
  const ok = input.results.filter((r) => r.status === 200 && r.mode !== '');
  const sim = (ms: number) => (ms / 1000) * input.speedup;
  const latency = (r: SentRequest) => sim(r.doneMs - r.sentMs);
  const modes = [...new Set(ok.map((r) => r.mode))].sort();
  // A mode's J/token is its engines' energy over every token they produced: adapters share their base's GPUs.
  const podsOf = input.podsModeOf ?? ((m: string) => m);
  const tokensOnPods = new Map<string, number>();
  for (const r of ok) tokensOnPods.set(podsOf(r.mode), (tokensOnPods.get(podsOf(r.mode)) ?? 0) + r.outputTokens);
  const rows = modes.map((mode): ModeRow => {
    const mine = ok.filter((r) => r.mode === mode);
    const lat = mine.map(latency).sort((a, b) => a - b);
    const ttft = mine.filter((r) => r.firstByteMs !== undefined).map((r) => sim((r.firstByteMs as number) - r.sentMs));
    const tokens = tokensOnPods.get(podsOf(mode)) ?? 0;
    return {
      mode,
      share: mine.length / Math.max(1, ok.length),
      p50LatencySeconds: quantile(lat, 0.5),
      p95LatencySeconds: quantile(lat, 0.95),
      meanTtftSeconds: ttft.length > 0 ? mean(ttft) : undefined,
      joulesPerOutputToken: tokens > 0 ? (input.energyByMode.get(podsOf(mode)) ?? 0) / tokens : 0,
    };
  });
  const tokens = ok.reduce((s, r) => s + r.outputTokens, 0);
  const energy = [...input.energyByMode.values()].reduce((a, b) => a + b, 0);
  const meanLatency = mean(ok.map(latency));
  const jpt = tokens > 0 ? energy / tokens : 0;
  return {
    requests: input.results.length,
    failed: input.results.length - ok.length,
    modes: rows,
    meanLatencySeconds: meanLatency,
    joulesPerOutputToken: jpt,
    qualityDeltaPoints: mean(ok.map((r) => input.quality(r.mode, r.request.type))),
    latencySpeedup: meanLatency > 0 ? input.baseline.meanLatencySeconds / meanLatency : 0,
    energySaving: savingAgainst(input.baseline.joulesPerOutputToken, jpt),
  };
}

function table(header: string[], lines: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines].map((l) =>
    l
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd(),
  );
}

/** The summary as terminal lines. */
export function formatDemoSummary(s: DemoSummary, baseline: FleetMetrics, simulated: FleetMetrics): string[] {
  const f = (x: number) => x.toFixed(3);
  return [
    `Summary: ${s.requests} requests${s.failed > 0 ? ` (${s.failed} failed)` : ''}, times in simulated seconds`,
    '',
    ...table(
      ['mode', 'share', 'latency p50 s', 'latency p95 s', 'TTFT s (streamed)', 'J/output token'],
      s.modes.map((m) => [
        m.mode,
        `${(m.share * 100).toFixed(1)}%`,
        f(m.p50LatencySeconds),
        f(m.p95LatencySeconds),
        m.meanTtftSeconds === undefined ? '—' : f(m.meanTtftSeconds),
        f(m.joulesPerOutputToken),
      ]),
    ),
    '',
    ...table(
      ['overall', 'mean latency s', 'J/output token (GPUs)', 'J/output token (per request)', 'quality Δ pts'],
      [
        ['ModeSwitch', f(s.meanLatencySeconds), f(s.joulesPerOutputToken), '—', s.qualityDeltaPoints.toFixed(2)],
        [
          'always-FP16 *',
          f(baseline.meanLatencySeconds),
          f(baseline.joulesPerOutputToken),
          f(baseline.requestJoulesPerOutputToken),
          '0.00',
        ],
        [
          'ModeSwitch *',
          f(simulated.meanLatencySeconds),
          f(simulated.joulesPerOutputToken),
          f(simulated.requestJoulesPerOutputToken),
          simulated.qualityDeltaPoints.toFixed(2),
        ],
      ],
    ),
    '* same requests and GPUs replayed in simulated time only (no HTTP): the demo adds its own process and timer delays.',
    "  Per request = each request's share of the engine iterations that served it (how the published 51.7% is measured);",
    '  GPUs = every GPU over the whole replay, idle included (what dcgm-exporter adds up). docs/policy-benchmark.md.',
    '',
    `ModeSwitch vs always-FP16: ${s.latencySpeedup.toFixed(2)}x lower mean latency, ${(s.energySaving * 100).toFixed(1)}% ` +
      `less energy per output token (all GPUs, idle included); ${(savingAgainst(baseline.requestJoulesPerOutputToken, simulated.requestJoulesPerOutputToken) * 100).toFixed(1)}% ` +
      `less per request (simulated replay).`,
  ];
}
