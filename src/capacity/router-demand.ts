import { STABLE_WINDOW_SECONDS } from './burst.js';
import type { ModeDemand } from './planner.js';
import { observedTtftOf, type HistogramCounts } from './ttft-histogram.js';
import { counterDelta } from '../metrics/counter-delta.js';
import { parsePromText } from '../metrics/prom-text.js';
import type { FetchText } from '../metrics/fetch-text.js';

/** What the routers saw of one mode over the last interval: its demand, and what its pods did (for the live refit). */
export interface ModeObservation {
  demand: ModeDemand;
  /** Average power of all the mode's GPUs together, watts (DCGM energy counter deltas); undefined before two scrapes. */
  watts?: number;
  /** Mean time between output tokens over the interval's finished requests, seconds; undefined without any. */
  interTokenSeconds?: number;
}

/** Demand per mode of one policy, as the capacity controller plans on it. */
export interface DemandSource {
  demand(
    policyKey: string,
    routers: readonly RouterTarget[],
    nowSeconds: number,
  ): Promise<Map<string, ModeObservation>>;
}

/** One router pod's metrics endpoint. */
export interface RouterTarget {
  pod: string;
  url: string;
}

const REQUESTS = 'modeswitch_requests_total';
const WANTED = 'modeswitch_wanted_requests_total';
const TOKENS = 'modeswitch_tokens_total';
const ENERGY = 'modeswitch_energy_joules_total';
const DURATION_SUM = 'modeswitch_request_duration_seconds_sum';
const TTFT_SUM = 'modeswitch_time_to_first_token_seconds_sum';
const TTFT_COUNT = 'modeswitch_time_to_first_token_seconds_count';
const TTFT_BUCKET = 'modeswitch_time_to_first_token_seconds_bucket';
const WAITING = 'modeswitch_queue_depth';
const RUNNING = 'modeswitch_running_requests';
const WANTED_NAMES = new Set([
  REQUESTS,
  WANTED,
  TOKENS,
  ENERGY,
  DURATION_SUM,
  TTFT_SUM,
  TTFT_COUNT,
  TTFT_BUCKET,
  WAITING,
  RUNNING,
]);
const SCRAPE_TIMEOUT_MS = 2000;

/** Counters of one mode on one router pod. */
interface Counters {
  requests: number;
  wanted: number;
  prompt: number;
  output: number;
  /** Energy of the mode's GPUs: every router reads the same GPUs, so this is per mode, not per router. */
  joules: number;
  /** Sums over finished requests of their duration and of their time to first token. */
  duration: number;
  ttft: number;
  /** First tokens observed. */
  ttftCount: number;
}

const ZERO: Counters = { requests: 0, wanted: 0, prompt: 0, output: 0, joules: 0, duration: 0, ttft: 0, ttftCount: 0 };

interface ModeCounts {
  counters: Counters;
  /** The TTFT histogram's cumulative bucket counts by upper bound (`le`, +Inf left out). */
  ttftBuckets: Map<number, number>;
}

interface ModeReading extends ModeCounts {
  /** Gauge: requests waiting and running in the mode's engines now. */
  inFlight: number;
}

type PodReading = { t: number; modes: Map<string, ModeReading> };

/** What one router pod counted per mode between two of its scrapes. */
interface Interval {
  start: number;
  end: number;
  modes: Map<string, ModeCounts>;
}

const COUNTER_OF: Readonly<Record<string, keyof Counters>> = {
  [REQUESTS]: 'requests',
  [WANTED]: 'wanted',
  [ENERGY]: 'joules',
  [DURATION_SUM]: 'duration',
  [TTFT_SUM]: 'ttft',
  [TTFT_COUNT]: 'ttftCount',
};

function readingsOf(text: string, policy: string): Map<string, ModeReading> {
  const byMode = new Map<string, ModeReading>();
  for (const s of parsePromText(text, (n) => WANTED_NAMES.has(n))) {
    const mode = s.labels['mode'];
    if (s.labels['policy'] !== policy || mode === undefined) continue;
    let r = byMode.get(mode);
    if (!r) byMode.set(mode, (r = { counters: { ...ZERO }, ttftBuckets: new Map(), inFlight: 0 }));
    const field = COUNTER_OF[s.name];
    if (field) r.counters[field] += s.value;
    else if (s.name === TTFT_BUCKET) {
      const le = Number(s.labels['le']);
      if (Number.isFinite(le)) r.ttftBuckets.set(le, (r.ttftBuckets.get(le) ?? 0) + s.value);
    } else if (s.name === WAITING || s.name === RUNNING) r.inFlight += s.value;
    else if (s.labels['kind'] === 'prompt') r.counters.prompt += s.value;
    else if (s.labels['kind'] === 'output') r.counters.output += s.value;
  }
  return byMode;
}

/** Reset-safe increases of every counter and bucket of a mode between two readings of one pod. */
function increase(before: ModeCounts | undefined, now: ModeCounts): ModeCounts {
  const counters = { ...ZERO };
  for (const k of Object.keys(counters) as (keyof Counters)[])
    counters[k] = counterDelta(before?.counters[k] ?? 0, now.counters[k]);
  const ttftBuckets = new Map(
    [...now.ttftBuckets].map(([le, n]) => [le, counterDelta(before?.ttftBuckets.get(le) ?? 0, n)]),
  );
  return { counters, ttftBuckets };
}

/** Increases of a mode over several intervals (of one pod or many), its TTFT buckets merged. */
class ModeSum {
  readonly counters: Counters = { ...ZERO };
  readonly ttftBuckets = new Map<number, number>();
  /** The longest interval added: router pods scraped together share one, a pod that missed a scrape has a longer one. */
  seconds = 0;

  /** Energy is the mode's GPUs', which every router reads: the largest increase counts, not the sum. */
  add(c: ModeCounts, seconds: number): void {
    for (const k of Object.keys(this.counters) as (keyof Counters)[])
      this.counters[k] = k === 'joules' ? Math.max(this.counters[k], c.counters[k]) : this.counters[k] + c.counters[k];
    for (const [le, n] of c.ttftBuckets) this.ttftBuckets.set(le, (this.ttftBuckets.get(le) ?? 0) + n);
    this.seconds = Math.max(this.seconds, seconds);
  }

  histogram(): HistogramCounts {
    const bounds = [...this.ttftBuckets.keys()].sort((a, b) => a - b);
    return {
      bounds,
      cumulative: bounds.map((le) => this.ttftBuckets.get(le) as number),
      total: this.counters.ttftCount,
    };
  }
}

/** Keeps a ModeSum per mode. */
function sumInto(sums: Map<string, ModeSum>, mode: string, c: ModeCounts, seconds: number): void {
  let sum = sums.get(mode);
  if (!sum) sums.set(mode, (sum = new ModeSum()));
  sum.add(c, seconds);
}

const meanPer = (total: number, n: number) => (n > 0 ? total / n : 0);

/**
 * Demand from the routers' own /metrics (no Prometheus needed): every router pod is scraped, and each counter's
 * increase since that pod's previous scrape (reset-safe) is kept for the stable window (capacity/burst.ts). Per mode:
 * requests, wanted requests and mean lengths over the stable window, summed over router pods; the same over the last
 * interval (the short window bursts are read on); and the p95 time to first token over the stable window from the
 * TTFT histogram's buckets. The first scrape of a pod only sets its baseline; a pod that does not answer adds nothing
 * new, and its past intervals age out. Requests in flight (the engines' waiting + running) and GPU energy are what
 * every router reads of the same engines and GPUs: the largest reading counts, not the sum. Power and the mean
 * inter-token time ((Σ duration − Σ TTFT) ÷ (output tokens − requests)) are over the last interval.
 */
export function routerMetricsDemand(fetchText: FetchText): DemandSource {
  const previous = new Map<string, PodReading>();
  const history = new Map<string, Interval[]>();
  return {
    async demand(policyKey, routers, nowSeconds) {
      // The router labels every series with the policy's namespace/name, the same key the controller plans under.
      const policy = policyKey;
      const latest = new Map<string, ModeSum>();
      const inFlight = new Map<string, number>();
      await Promise.all(
        routers.map(async (r) => {
          let text: string;
          try {
            text = await fetchText(r.url, SCRAPE_TIMEOUT_MS);
          } catch {
            return; // A router that does not answer adds nothing this round; its baseline stays.
          }
          const key = `${policyKey}|${r.pod}`;
          const current: PodReading = { t: nowSeconds, modes: readingsOf(text, policy) };
          for (const [mode, m] of current.modes) inFlight.set(mode, Math.max(inFlight.get(mode) ?? 0, m.inFlight));
          const before = previous.get(key);
          previous.set(key, current);
          if (!before || nowSeconds <= before.t) return;
          const interval: Interval = { start: before.t, end: nowSeconds, modes: new Map() };
          for (const [mode, m] of current.modes) {
            const c = increase(before.modes.get(mode), m);
            interval.modes.set(mode, c);
            sumInto(latest, mode, c, nowSeconds - before.t);
          }
          history.set(key, [...(history.get(key) ?? []), interval]);
        }),
      );
      // The stable window: every pod's intervals that end within it.
      const stable = new Map<string, ModeSum>();
      let windowStart = nowSeconds;
      for (const [key, intervals] of history) {
        if (!key.startsWith(`${policyKey}|`)) continue;
        const kept = intervals.filter((i) => i.end > nowSeconds - STABLE_WINDOW_SECONDS);
        if (kept.length > 0) history.set(key, kept);
        else history.delete(key); // a router pod gone for a whole window
        for (const i of kept) {
          windowStart = Math.min(windowStart, i.start);
          for (const [mode, c] of i.modes) sumInto(stable, mode, c, i.end - i.start);
        }
      }
      const windowSeconds = nowSeconds - windowStart;
      const out = new Map<string, ModeObservation>();
      for (const mode of new Set([...stable.keys(), ...inFlight.keys()])) {
        const s = stable.get(mode);
        const demand: ModeDemand = {
          requestsPerSecond: s ? s.counters.requests / windowSeconds : 0,
          wantedPerSecond: s ? s.counters.wanted / windowSeconds : 0,
          meanPromptTokens: s ? meanPer(s.counters.prompt, s.counters.requests) : 0,
          meanOutputTokens: s ? meanPer(s.counters.output, s.counters.requests) : 0,
          inFlight: inFlight.get(mode) ?? 0,
        };
        const l = latest.get(mode);
        if (l) {
          demand.recent = {
            seconds: l.seconds,
            requestsPerSecond: (l.counters.requests + l.counters.wanted) / l.seconds,
            meanPromptTokens: meanPer(l.counters.prompt, l.counters.requests),
            meanOutputTokens: meanPer(l.counters.output, l.counters.requests),
          };
        }
        const ttft = s && observedTtftOf(s.histogram());
        if (ttft) demand.observedTtft = ttft;
        const observation: ModeObservation = { demand };
        if (l && l.counters.joules > 0) observation.watts = l.counters.joules / l.seconds;
        if (l && l.counters.output > l.counters.requests && l.counters.duration > l.counters.ttft)
          observation.interTokenSeconds =
            (l.counters.duration - l.counters.ttft) / (l.counters.output - l.counters.requests);
        out.set(mode, observation);
      }
      return out;
    },
  };
}
