import type { ModeDemand } from '../../../capacity/planner.js';

interface Arrival {
  t: number;
  mode: string;
  wanted: boolean;
  promptTokens: number;
  outputTokens: number;
}

/**
 * What the router counts per mode over a sliding window: requests it sent there, requests it wanted to send there
 * but served elsewhere, and their mean lengths (output as asked for: the router knows max_tokens, not the answer).
 */
export class DemandWindow {
  private arrivals: Arrival[] = [];

  constructor(private readonly windowSeconds: number) {}

  record(t: number, mode: string, promptTokens: number, outputTokens: number, wanted = false): void {
    this.arrivals.push({ t, mode, wanted, promptTokens, outputTokens });
  }

  /** Demand of a mode at `now`; the window is shorter at the start of a replay. */
  demand(mode: string, now: number, inFlight: number): ModeDemand {
    const from = now - this.windowSeconds;
    if (this.arrivals.length > 0 && (this.arrivals[0] as Arrival).t < from) this.arrivals = this.arrivals.filter((a) => a.t >= from);
    const span = Math.max(1, Math.min(this.windowSeconds, now));
    let routed = 0;
    let wanted = 0;
    let prompt = 0;
    let output = 0;
    for (const a of this.arrivals) {
      if (a.mode !== mode) continue;
      if (a.wanted) wanted += 1;
      else routed += 1;
      prompt += a.promptTokens;
      output += a.outputTokens;
    }
    const n = routed + wanted;
    return {
      requestsPerSecond: routed / span,
      wantedPerSecond: wanted / span,
      meanPromptTokens: n > 0 ? prompt / n : 0,
      meanOutputTokens: n > 0 ? output / n : 0,
      inFlight,
    };
  }
}
