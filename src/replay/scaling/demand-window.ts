import { DemandWindows, ModeCounters } from '../../capacity/demand.js';
import type { ModeDemand } from '../../capacity/planner.js';
import type { RequestResult } from '../../sim/engine/core-types.js';

/**
 * The replay's side of the one demand (capacity/demand.ts): each finished request is counted as the router counts it
 * (router/accounting/record-outcome.ts): by the mode that served it and the one it was meant for, with its prompt,
 * the tokens the engine actually generated (not max_tokens) and its time to first token; and the counts are read at
 * each planning step as the capacity controller reads a router's counters at each scrape.
 */
export class DemandWindow {
  private readonly counters = new ModeCounters();
  private readonly windows = new DemandWindows();

  /** A request that arrived at `arrivalSeconds`, served by `mode` (meant for `wanted`), finished with `result`. */
  finished(mode: string, wanted: string | undefined, arrivalSeconds: number, result: RequestResult): void {
    this.counters.finished({
      mode,
      wanted,
      promptTokens: result.promptTokens,
      outputTokens: result.outputTokens,
      ttftSeconds: result.firstTokenTime === undefined ? undefined : result.firstTokenTime - arrivalSeconds,
    });
  }

  /** Demand per mode at a planning step (one reading per step), with what each mode has in flight now. */
  read(now: number, inFlight: ReadonlyMap<string, number>): Map<string, ModeDemand> {
    this.windows.observe('replay', now, this.counters.read());
    return this.windows.demand(now, inFlight);
  }
}
