import { BURST_WINDOW_SECONDS, STABLE_WINDOW_SECONDS, type RecentTraffic } from '../../capacity/burst.js';
import type { ModeDemand } from '../../capacity/planner.js';
import { histogramOf, observedTtftOf } from '../../capacity/ttft-histogram.js';
import { LATENCY_BUCKETS } from '../../router/accounting/router-metrics.js';

interface Arrival {
  t: number;
  mode: string;
  wanted: boolean;
  promptTokens: number;
  outputTokens: number;
}

interface FirstToken {
  t: number;
  mode: string;
  seconds: number;
}

/**
 * What the routers count per mode, as the capacity controller reads it: requests sent there and requests wanted there
 * but served elsewhere, with their mean lengths (output as asked for: the router knows max_tokens, not the answer),
 * over the stable window and the short one; and the time to first token of the mode's requests over the stable
 * window, binned into the routers' histogram buckets.
 */
export class DemandWindow {
  private arrivals: Arrival[] = [];
  private firstTokens: FirstToken[] = [];

  record(t: number, mode: string, promptTokens: number, outputTokens: number, wanted = false): void {
    this.arrivals.push({ t, mode, wanted, promptTokens, outputTokens });
  }

  /** A first token of a request the mode serves, `seconds` after the request arrived. */
  recordFirstToken(t: number, mode: string, seconds: number): void {
    this.firstTokens.push({ t, mode, seconds });
  }

  /** Demand of a mode at `now`; the windows are shorter at the start of a replay. */
  demand(mode: string, now: number, inFlight: number): ModeDemand {
    const from = now - STABLE_WINDOW_SECONDS;
    if (this.arrivals.length > 0 && (this.arrivals[0] as Arrival).t < from)
      this.arrivals = this.arrivals.filter((a) => a.t >= from);
    if (this.firstTokens.length > 0 && (this.firstTokens[0] as FirstToken).t < from)
      this.firstTokens = this.firstTokens.filter((f) => f.t >= from);
    const stable = this.traffic(mode, now, STABLE_WINDOW_SECONDS);
    const demand: ModeDemand = {
      requestsPerSecond: stable.routed / stable.seconds,
      wantedPerSecond: stable.wanted / stable.seconds,
      meanPromptTokens: stable.meanPromptTokens,
      meanOutputTokens: stable.meanOutputTokens,
      inFlight,
    };
    const recent = this.traffic(mode, now, BURST_WINDOW_SECONDS);
    if (now > 0) {
      const r: RecentTraffic = {
        seconds: recent.seconds,
        requestsPerSecond: (recent.routed + recent.wanted) / recent.seconds,
        meanPromptTokens: recent.meanPromptTokens,
        meanOutputTokens: recent.meanOutputTokens,
      };
      demand.recent = r;
    }
    const observed = observedTtftOf(
      histogramOf(
        LATENCY_BUCKETS,
        this.firstTokens.filter((f) => f.mode === mode).map((f) => f.seconds),
      ),
    );
    if (observed) demand.observedTtft = observed;
    return demand;
  }

  private traffic(mode: string, now: number, windowSeconds: number) {
    const from = now - windowSeconds;
    const seconds = Math.max(1, Math.min(windowSeconds, now));
    let routed = 0;
    let wanted = 0;
    let prompt = 0;
    let output = 0;
    for (const a of this.arrivals) {
      if (a.mode !== mode || a.t < from) continue;
      if (a.wanted) wanted += 1;
      else routed += 1;
      prompt += a.promptTokens;
      output += a.outputTokens;
    }
    const n = routed + wanted;
    return {
      seconds,
      routed,
      wanted,
      meanPromptTokens: n > 0 ? prompt / n : 0,
      meanOutputTokens: n > 0 ? output / n : 0,
    };
  }
}
