import { STABLE_WINDOW_SECONDS } from './burst.js';
import type { ModeDemand } from './planner.js';
import { observedTtftOf } from './ttft-histogram.js';
import { counterDelta } from '../metrics/counter-delta.js';
import { LATENCY_BUCKETS } from '../metrics/router-contract.js';

/**
 * What the routers count of one mode, cumulative: the one definition of demand, whether the operator reads it from
 * the routers' counters (router-demand.ts) or the replay counts it from its events (ModeCounters). All of it is
 * counted when a request finishes, as the router's metrics are.
 */
export interface ModeCounts {
  /** Finished requests the mode served, whatever their result. */
  requests: number;
  /** Finished requests meant for the mode but served elsewhere or refused (Decision.wanted): demand it did not see. */
  wanted: number;
  /** Tokens of the requests the mode served, as the engine reported them: output is usage.completion_tokens. */
  promptTokens: number;
  outputTokens: number;
  /** Time to first token of the requests it served: cumulative counts by bucket upper bound (no +Inf), and all. */
  ttftBuckets: Map<number, number>;
  ttftCount: number;
}

export const noCounts = (): ModeCounts => ({
  requests: 0,
  wanted: 0,
  promptTokens: 0,
  outputTokens: 0,
  ttftBuckets: new Map(),
  ttftCount: 0,
});

/** A mode nothing was seen of. */
export const QUIET: ModeDemand = {
  requestsPerSecond: 0,
  wantedPerSecond: 0,
  meanPromptTokens: 0,
  meanOutputTokens: 0,
  inFlight: 0,
};

/** One request as it finished, as the router accounts it (router/accounting/record-outcome.ts). */
export interface FinishedRequest {
  /** The mode that served it; undefined when none did. */
  mode?: string;
  /** The mode it was meant for where that was not the one that served it. */
  wanted?: string;
  promptTokens: number;
  /** Tokens the engine generated for it (usage.completion_tokens). */
  outputTokens: number;
  /** Arrival to first token; undefined when no token came. */
  ttftSeconds?: number;
}

/** Cumulative counts per mode kept from events, as the router's counters keep them: the fleet replay's. */
export class ModeCounters {
  private readonly modes = new Map<string, ModeCounts>();

  finished(r: FinishedRequest): void {
    if (r.wanted !== undefined) this.of(r.wanted).wanted += 1;
    if (r.mode === undefined) return;
    const c = this.of(r.mode);
    c.requests += 1;
    c.promptTokens += r.promptTokens;
    c.outputTokens += r.outputTokens;
    if (r.ttftSeconds === undefined) return;
    c.ttftCount += 1;
    for (const le of LATENCY_BUCKETS) if (r.ttftSeconds <= le) c.ttftBuckets.set(le, (c.ttftBuckets.get(le) ?? 0) + 1);
  }

  /** The counts so far (a reading, as a scrape of the router's /metrics is). */
  read(): ReadonlyMap<string, ModeCounts> {
    return this.modes;
  }

  private of(mode: string): ModeCounts {
    let c = this.modes.get(mode);
    if (!c) this.modes.set(mode, (c = noCounts()));
    return c;
  }
}

/** What one source counted of each mode between two of its readings. */
interface Interval {
  start: number;
  end: number;
  modes: Map<string, ModeCounts>;
}

/** Reset-safe increase of every count of a mode between two readings of one source. */
function increase(before: ModeCounts | undefined, now: ModeCounts): ModeCounts {
  return {
    requests: counterDelta(before?.requests ?? 0, now.requests),
    wanted: counterDelta(before?.wanted ?? 0, now.wanted),
    promptTokens: counterDelta(before?.promptTokens ?? 0, now.promptTokens),
    outputTokens: counterDelta(before?.outputTokens ?? 0, now.outputTokens),
    ttftBuckets: new Map(
      [...now.ttftBuckets].map(([le, n]) => [le, counterDelta(before?.ttftBuckets.get(le) ?? 0, n)]),
    ),
    ttftCount: counterDelta(before?.ttftCount ?? 0, now.ttftCount),
  };
}

/** Increases of a mode over several intervals (of one source or many), summed. */
class ModeSum {
  readonly counts = noCounts();
  /** The longest interval added: sources read together share one, a source that missed a reading has a longer one. */
  seconds = 0;

  add(c: ModeCounts, seconds: number): void {
    this.counts.requests += c.requests;
    this.counts.wanted += c.wanted;
    this.counts.promptTokens += c.promptTokens;
    this.counts.outputTokens += c.outputTokens;
    this.counts.ttftCount += c.ttftCount;
    for (const [le, n] of c.ttftBuckets) this.counts.ttftBuckets.set(le, (this.counts.ttftBuckets.get(le) ?? 0) + n);
    this.seconds = Math.max(this.seconds, seconds);
  }
}

const meanPer = (total: number, n: number) => (n > 0 ? total / n : 0);

function sumInto(sums: Map<string, ModeSum>, mode: string, c: ModeCounts, seconds: number): void {
  let sum = sums.get(mode);
  if (!sum) sums.set(mode, (sum = new ModeSum()));
  sum.add(c, seconds);
}

/**
 * The one windowed demand the capacity planner reads, from readings of cumulative counts (a router pod's counters at
 * each scrape; the replay's at each planning step). Each count's increase since that source's previous reading
 * (reset-safe) is kept for the stable window (burst.ts). Per mode: requests, wanted requests and mean lengths (over the
 * requests it served) over the stable window, summed over sources; routed and wanted requests over the last interval
 * (the short window bursts are read on); and the p95 time to first token over the stable window. A source's first
 * reading only sets its baseline; a source not read adds nothing new, and its past intervals age out.
 */
export class DemandWindows {
  private readonly previous = new Map<string, { t: number; modes: Map<string, ModeCounts> }>();
  private readonly history = new Map<string, Interval[]>();

  /** A reading of `source`'s cumulative counts at `now` (seconds). */
  observe(source: string, now: number, counts: ReadonlyMap<string, ModeCounts>): void {
    const copy = new Map([...counts].map(([mode, c]) => [mode, { ...c, ttftBuckets: new Map(c.ttftBuckets) }]));
    const before = this.previous.get(source);
    this.previous.set(source, { t: now, modes: copy });
    if (!before || now <= before.t) return;
    const interval: Interval = { start: before.t, end: now, modes: new Map() };
    for (const [mode, c] of copy) interval.modes.set(mode, increase(before.modes.get(mode), c));
    this.history.set(source, [...(this.history.get(source) ?? []), interval]);
  }

  /** Demand per mode at `now`, with what is in flight on each mode's engines now. */
  demand(now: number, inFlight: ReadonlyMap<string, number>): Map<string, ModeDemand> {
    const stable = new Map<string, ModeSum>();
    const latest = new Map<string, ModeSum>();
    let windowStart = now;
    for (const [source, intervals] of this.history) {
      const kept = intervals.filter((i) => i.end > now - STABLE_WINDOW_SECONDS);
      if (kept.length > 0) this.history.set(source, kept);
      else this.history.delete(source); // a source gone for a whole window
      for (const i of kept) {
        windowStart = Math.min(windowStart, i.start);
        for (const [mode, c] of i.modes) {
          sumInto(stable, mode, c, i.end - i.start);
          if (i.end === now) sumInto(latest, mode, c, i.end - i.start);
        }
      }
    }
    // A source not read for a whole window (a router pod replaced in a rollout) starts again from a new baseline.
    for (const [source, p] of this.previous) if (p.t <= now - STABLE_WINDOW_SECONDS) this.previous.delete(source);
    const windowSeconds = now - windowStart;
    const out = new Map<string, ModeDemand>();
    for (const mode of new Set([...stable.keys(), ...inFlight.keys()])) {
      const s = stable.get(mode)?.counts;
      const demand: ModeDemand = {
        requestsPerSecond: s ? s.requests / windowSeconds : 0,
        wantedPerSecond: s ? s.wanted / windowSeconds : 0,
        meanPromptTokens: s ? meanPer(s.promptTokens, s.requests) : 0,
        meanOutputTokens: s ? meanPer(s.outputTokens, s.requests) : 0,
        inFlight: inFlight.get(mode) ?? 0,
      };
      const l = latest.get(mode);
      if (l) {
        demand.recent = {
          seconds: l.seconds,
          requestsPerSecond: (l.counts.requests + l.counts.wanted) / l.seconds,
          meanPromptTokens: meanPer(l.counts.promptTokens, l.counts.requests),
          meanOutputTokens: meanPer(l.counts.outputTokens, l.counts.requests),
        };
      }
      if (s) {
        const bounds = [...s.ttftBuckets.keys()].sort((a, b) => a - b);
        const ttft = observedTtftOf({
          bounds,
          cumulative: bounds.map((le) => s.ttftBuckets.get(le) as number),
          total: s.ttftCount,
        });
        if (ttft) demand.observedTtft = ttft;
      }
      out.set(mode, demand);
    }
    return out;
  }
}
