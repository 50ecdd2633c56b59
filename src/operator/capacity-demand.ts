import type { ModeDemand } from '../capacity/planner.js';
import { counterDelta } from '../router/telemetry/counter-delta.js';
import { parsePromText } from '../router/telemetry/prom-text.js';
import type { FetchText } from '../router/telemetry/scraper.js';

/** Demand per mode of one policy, as the capacity controller plans on it. */
export interface DemandSource {
  demand(policyKey: string, routers: readonly RouterTarget[], nowSeconds: number): Promise<Map<string, ModeDemand>>;
}

/** One router pod's metrics endpoint. */
export interface RouterTarget {
  pod: string;
  url: string;
}

const REQUESTS = 'modeswitch_requests_total';
const WANTED = 'modeswitch_wanted_requests_total';
const TOKENS = 'modeswitch_tokens_total';
const WAITING = 'modeswitch_queue_depth';
const RUNNING = 'modeswitch_running_requests';
const SCRAPE_TIMEOUT_MS = 2000;

interface Totals {
  requests: number;
  wanted: number;
  prompt: number;
  output: number;
  /** Gauges, not counters: requests waiting and running in the mode's engines now. */
  inFlight: number;
}

type PodReading = { t: number; modes: Map<string, Totals> };

function totalsOf(text: string, policy: string): Map<string, Totals> {
  const byMode = new Map<string, Totals>();
  const get = (mode: string) => {
    let t = byMode.get(mode);
    if (!t) byMode.set(mode, (t = { requests: 0, wanted: 0, prompt: 0, output: 0, inFlight: 0 }));
    return t;
  };
  for (const s of parsePromText(text, (n) => n === REQUESTS || n === WANTED || n === TOKENS || n === WAITING || n === RUNNING)) {
    const mode = s.labels['mode'];
    if (s.labels['policy'] !== policy || mode === undefined) continue;
    const t = get(mode);
    if (s.name === REQUESTS) t.requests += s.value;
    else if (s.name === WANTED) t.wanted += s.value;
    else if (s.name === WAITING || s.name === RUNNING) t.inFlight += s.value;
    else if (s.labels['kind'] === 'prompt') t.prompt += s.value;
    else if (s.labels['kind'] === 'output') t.output += s.value;
  }
  return byMode;
}

/**
 * Demand from the routers' own /metrics (no Prometheus needed): every router pod is scraped, and each counter's
 * increase since that pod's previous scrape (reset-safe) gives requests, wanted requests and tokens per second per
 * mode. The first scrape of a pod only sets its baseline. Requests in flight are the engines' waiting + running
 * requests as any router sees them (every router reads the same engines: the largest reading counts, not the sum).
 */
export function routerMetricsDemand(fetchText: FetchText): DemandSource {
  const previous = new Map<string, PodReading>();
  return {
    async demand(policyKey, routers, nowSeconds) {
      const policy = policyKey.slice(policyKey.indexOf('/') + 1);
      const sums = new Map<string, Omit<Totals, 'inFlight'> & { seconds: number }>();
      const inFlight = new Map<string, number>();
      await Promise.all(routers.map(async (r) => {
        let text: string;
        try {
          text = await fetchText(r.url, SCRAPE_TIMEOUT_MS);
        } catch {
          return; // A router that does not answer adds nothing this round; its baseline stays.
        }
        const key = `${policyKey}|${r.pod}`;
        const current: PodReading = { t: nowSeconds, modes: totalsOf(text, policy) };
        for (const [mode, t] of current.modes) inFlight.set(mode, Math.max(inFlight.get(mode) ?? 0, t.inFlight));
        const before = previous.get(key);
        previous.set(key, current);
        if (!before || nowSeconds <= before.t) return;
        for (const [mode, t] of current.modes) {
          const b = before.modes.get(mode);
          const sum = sums.get(mode) ?? { requests: 0, wanted: 0, prompt: 0, output: 0, seconds: nowSeconds - before.t };
          sum.requests += counterDelta(b?.requests ?? 0, t.requests);
          sum.wanted += counterDelta(b?.wanted ?? 0, t.wanted);
          sum.prompt += counterDelta(b?.prompt ?? 0, t.prompt);
          sum.output += counterDelta(b?.output ?? 0, t.output);
          sums.set(mode, sum);
        }
      }));
      const out = new Map<string, ModeDemand>();
      for (const mode of new Set([...sums.keys(), ...inFlight.keys()])) {
        const s = sums.get(mode);
        out.set(mode, {
          requestsPerSecond: s ? s.requests / s.seconds : 0,
          wantedPerSecond: s ? s.wanted / s.seconds : 0,
          meanPromptTokens: s && s.requests > 0 ? s.prompt / s.requests : 0,
          meanOutputTokens: s && s.requests > 0 ? s.output / s.requests : 0,
          inFlight: inFlight.get(mode) ?? 0,
        });
      }
      return out;
    },
  };
}
