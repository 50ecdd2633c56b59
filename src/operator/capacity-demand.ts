import type { ModeDemand } from '../capacity/planner.js';
import { counterDelta } from '../router/telemetry/counter-delta.js';
import { parsePromText } from '../router/telemetry/prom-text.js';
import type { FetchText } from '../router/telemetry/scraper.js';

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
  demand(policyKey: string, routers: readonly RouterTarget[], nowSeconds: number): Promise<Map<string, ModeObservation>>;
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
const WAITING = 'modeswitch_queue_depth';
const RUNNING = 'modeswitch_running_requests';
const WANTED_NAMES = new Set([REQUESTS, WANTED, TOKENS, ENERGY, DURATION_SUM, TTFT_SUM, WAITING, RUNNING]);
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
}

interface ModeReading {
  counters: Counters;
  /** Gauge: requests waiting and running in the mode's engines now. */
  inFlight: number;
}

type PodReading = { t: number; modes: Map<string, ModeReading> };

const COUNTER_OF: Readonly<Record<string, keyof Counters>> = { [REQUESTS]: 'requests', [WANTED]: 'wanted', [ENERGY]: 'joules', [DURATION_SUM]: 'duration', [TTFT_SUM]: 'ttft' };

function readingsOf(text: string, policy: string): Map<string, ModeReading> {
  const byMode = new Map<string, ModeReading>();
  for (const s of parsePromText(text, (n) => WANTED_NAMES.has(n))) {
    const mode = s.labels['mode'];
    if (s.labels['policy'] !== policy || mode === undefined) continue;
    let r = byMode.get(mode);
    if (!r) byMode.set(mode, (r = { counters: { requests: 0, wanted: 0, prompt: 0, output: 0, joules: 0, duration: 0, ttft: 0 }, inFlight: 0 }));
    const field = COUNTER_OF[s.name];
    if (field) r.counters[field] += s.value;
    else if (s.name === WAITING || s.name === RUNNING) r.inFlight += s.value;
    else if (s.labels['kind'] === 'prompt') r.counters.prompt += s.value;
    else if (s.labels['kind'] === 'output') r.counters.output += s.value;
  }
  return byMode;
}

interface Interval extends Counters {
  seconds: number;
}

/**
 * Demand from the routers' own /metrics (no Prometheus needed): every router pod is scraped, and each counter's
 * increase since that pod's previous scrape (reset-safe) gives requests, wanted requests and tokens per second per
 * mode, summed over router pods. The first scrape of a pod only sets its baseline. Requests in flight (the engines'
 * waiting + running) and GPU energy are what every router reads of the same engines and GPUs: the largest reading
 * counts, not the sum. Mean inter-token time = (Σ duration − Σ TTFT) ÷ (output tokens − requests).
 */
export function routerMetricsDemand(fetchText: FetchText): DemandSource {
  const previous = new Map<string, PodReading>();
  return {
    async demand(policyKey, routers, nowSeconds) {
      const policy = policyKey.slice(policyKey.indexOf('/') + 1);
      const sums = new Map<string, Interval>();
      const inFlight = new Map<string, number>();
      await Promise.all(routers.map(async (r) => {
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
        for (const [mode, m] of current.modes) {
          const b = before.modes.get(mode)?.counters;
          const sum = sums.get(mode) ?? { requests: 0, wanted: 0, prompt: 0, output: 0, joules: 0, duration: 0, ttft: 0, seconds: nowSeconds - before.t };
          for (const k of Object.keys(m.counters) as (keyof Counters)[]) {
            const delta = counterDelta(b?.[k] ?? 0, m.counters[k]);
            sum[k] = k === 'joules' ? Math.max(sum[k], delta) : sum[k] + delta;
          }
          sums.set(mode, sum);
        }
      }));
      const out = new Map<string, ModeObservation>();
      for (const mode of new Set([...sums.keys(), ...inFlight.keys()])) {
        const s = sums.get(mode);
        const demand: ModeDemand = {
          requestsPerSecond: s ? s.requests / s.seconds : 0,
          wantedPerSecond: s ? s.wanted / s.seconds : 0,
          meanPromptTokens: s && s.requests > 0 ? s.prompt / s.requests : 0,
          meanOutputTokens: s && s.requests > 0 ? s.output / s.requests : 0,
          inFlight: inFlight.get(mode) ?? 0,
        };
        const observation: ModeObservation = { demand };
        if (s && s.joules > 0) observation.watts = s.joules / s.seconds;
        if (s && s.output > s.requests && s.duration > s.ttft) observation.interTokenSeconds = (s.duration - s.ttft) / (s.output - s.requests);
        out.set(mode, observation);
      }
      return out;
    },
  };
}
