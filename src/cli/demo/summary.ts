import type { FleetMetrics } from '../../replay/fleet-metrics.js';
import { quantile } from '../../replay/fleet-metrics.js';
import type { SentRequest } from './send-request.js';

/** GPU energy of a mode's engines over the replay, split by whether an iteration was running. */
export interface ModeEnergy {
  /** Joules drawn while iterations ran: what serving the requests cost. */
  busyJoules: number;
  /** Joules drawn with nothing running: the price of keeping the replicas up, not of any request. */
  idleJoules: number;
}

export interface SummaryInput {
  results: readonly SentRequest[];
  /** Simulated seconds per wall second: client wall times are scaled back to simulated time. */
  speedup: number;
  /** Energy of each mode's engines (pods) over the replay; a mode listed here has a row even if it served nothing. */
  energyByMode: ReadonlyMap<string, ModeEnergy>;
  /** The mode whose engines serve `mode` (an adapter's base); itself when omitted. */
  podsModeOf?: (mode: string) => string;
  /** Modelled accuracy change of a mode for a request type, points. */
  quality: (mode: string, type: SentRequest['request']['type']) => number;
}

export interface ModeRow {
  mode: string;
  share: number;
  /** Undefined for a mode that served nothing. */
  p50LatencySeconds: number | undefined;
  p95LatencySeconds: number | undefined;
  meanTtftSeconds: number | undefined;
  /** Busy energy of the mode's engines over the tokens they produced; undefined when they produced none. */
  busyJoulesPerOutputToken: number | undefined;
  /** Idle energy of the mode's engines (shown on the pods' own row; adapters share their base's). */
  idleJoules: number | undefined;
}

export interface DemoSummary {
  requests: number;
  failed: number;
  modes: ModeRow[];
  meanLatencySeconds: number;
  /** Every GPU's energy, busy and idle, over every output token. */
  joulesPerOutputToken: number;
  idleShare: number;
  qualityDeltaPoints: number;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Per-mode and overall figures of a replay, in simulated seconds. Pure. */
export function summariseDemo(input: SummaryInput): DemoSummary {
  const ok = input.results.filter((r) => r.status === 200 && r.mode !== '');
  const sim = (ms: number) => (ms / 1000) * input.speedup;
  const latency = (r: SentRequest) => sim(r.doneMs - r.sentMs);
  const modes = [...new Set([...input.energyByMode.keys(), ...ok.map((r) => r.mode)])].sort();
  // A mode's J/token is its engines' busy energy over every token they produced: adapters share their base's GPUs.
  const podsOf = input.podsModeOf ?? ((m: string) => m);
  const tokensOnPods = new Map<string, number>();
  for (const r of ok) tokensOnPods.set(podsOf(r.mode), (tokensOnPods.get(podsOf(r.mode)) ?? 0) + r.outputTokens);
  const rows = modes.map((mode): ModeRow => {
    const mine = ok.filter((r) => r.mode === mode);
    const lat = mine.map(latency).sort((a, b) => a - b);
    const ttft = mine.filter((r) => r.firstByteMs !== undefined).map((r) => sim((r.firstByteMs as number) - r.sentMs));
    const tokens = tokensOnPods.get(podsOf(mode)) ?? 0;
    const energy = input.energyByMode.get(podsOf(mode));
    return {
      mode,
      share: mine.length / Math.max(1, ok.length),
      p50LatencySeconds: lat.length > 0 ? quantile(lat, 0.5) : undefined,
      p95LatencySeconds: lat.length > 0 ? quantile(lat, 0.95) : undefined,
      meanTtftSeconds: ttft.length > 0 ? mean(ttft) : undefined,
      busyJoulesPerOutputToken: tokens > 0 && energy ? energy.busyJoules / tokens : undefined,
      idleJoules: podsOf(mode) === mode ? energy?.idleJoules : undefined,
    };
  });
  const tokens = ok.reduce((s, r) => s + r.outputTokens, 0);
  const energies = [...input.energyByMode.values()];
  const busy = energies.reduce((a, e) => a + e.busyJoules, 0);
  const idle = energies.reduce((a, e) => a + e.idleJoules, 0);
  return {
    requests: input.results.length,
    failed: input.results.length - ok.length,
    modes: rows,
    meanLatencySeconds: mean(ok.map(latency)),
    joulesPerOutputToken: tokens > 0 ? (busy + idle) / tokens : 0,
    idleShare: busy + idle > 0 ? idle / (busy + idle) : 0,
    qualityDeltaPoints: mean(ok.map((r) => input.quality(r.mode, r.request.type))),
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

/**
 * The live replay as terminal lines: what the running stack did on its static pool. It makes no claim against
 * always-FP16 (the capacity section compares the two fairly, both autoscaled); beside it, the same policy replayed
 * in simulated time shows what the demo's own process adds.
 */
export function formatDemoSummary(s: DemoSummary, simulated: FleetMetrics, gpus: number): string[] {
  const f = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
  return [
    `Live replay through the router: ${s.requests} requests${s.failed > 0 ? ` (${s.failed} failed)` : ''} on the ` +
      `policy's static pool (${gpus} GPUs, every replica up throughout); times in simulated seconds`,
    '',
    ...table(
      ['mode', 'share', 'latency p50 s', 'latency p95 s', 'TTFT s (streamed)', 'J/output token (busy)', 'idle kJ'],
      s.modes.map((m) => [
        m.mode,
        `${(m.share * 100).toFixed(1)}%`,
        f(m.p50LatencySeconds),
        f(m.p95LatencySeconds),
        f(m.meanTtftSeconds),
        f(m.busyJoulesPerOutputToken),
        m.idleJoules === undefined ? '—' : (m.idleJoules / 1000).toFixed(2),
      ]),
    ),
    "Busy = energy while the mode's engines ran iterations, over their output tokens; idle = energy with nothing running,",
    "the price of keeping a replica up, which no request's cost includes (adapters share their base mode's engines).",
    '',
    ...table(
      ['overall', 'mean latency s', 'J/output token (all GPUs, idle included)', 'quality Δ pts'],
      [
        ['live', f(s.meanLatencySeconds), f(s.joulesPerOutputToken), s.qualityDeltaPoints.toFixed(2)],
        [
          'simulated *',
          f(simulated.meanLatencySeconds),
          f(simulated.joulesPerOutputToken),
          simulated.qualityDeltaPoints.toFixed(2),
        ],
      ],
    ),
    `${(s.idleShare * 100).toFixed(1)}% of the live pool's energy was idle. * The same policy and requests replayed in ` +
      'simulated time only (no HTTP): the difference is what the demo process adds.',
  ];
}
