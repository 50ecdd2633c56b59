import type { RequestType } from '../model/types.js';
import type { WorkloadRequest } from '../sim/workload/synthesize.js';

export interface OracleInput {
  requests: readonly WorkloadRequest[];
  /** Per mode, each request's energy (joules, by request id) when that mode served the whole trace. */
  energy: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** Modelled accuracy change of a mode for a request type, points (≤ 0). */
  quality: (mode: string, type: RequestType) => number;
  /** The gate: mean accuracy loss over all requests may not exceed this many points. */
  maxMeanLossPoints: number;
}

function assign(
  input: OracleInput,
  modes: readonly string[],
  lambda: number,
): { modes: Map<number, string>; meanLoss: number } {
  const out = new Map<number, string>();
  let loss = 0;
  for (const r of input.requests) {
    let best = '';
    let bestCost = Infinity;
    let bestLoss = Infinity;
    for (const m of modes) {
      const e = input.energy.get(m)?.get(r.id);
      if (e === undefined) throw new Error(`no energy for request ${r.id} in mode "${m}"`);
      const l = -input.quality(m, r.type);
      const cost = e + lambda * l;
      if (cost < bestCost || (cost === bestCost && l < bestLoss)) {
        best = m;
        bestCost = cost;
        bestLoss = l;
      }
    }
    out.set(r.id, best);
    loss += bestLoss;
  }
  return { modes: out, meanLoss: input.requests.length > 0 ? loss / input.requests.length : 0 };
}

/**
 * The hindsight oracle: each request goes to the mode that served it with the least energy, subject to the mean
 * accuracy loss staying within the gate. Solved exactly by a Lagrangian price on accuracy (joules per point): at
 * price λ every request takes the mode minimising energy + λ·loss; the smallest λ that meets the gate is found by
 * bisection. Needs a mode with zero loss (FP16) for the gate to be reachable.
 */
export function oracleAssignment(input: OracleInput): Map<number, string> {
  const modes = [...input.energy.keys()];
  const free = assign(input, modes, 0);
  if (free.meanLoss <= input.maxMeanLossPoints) return free.modes;
  let low = 0;
  let high = 1;
  while (assign(input, modes, high).meanLoss > input.maxMeanLossPoints) {
    high *= 4;
    if (high > 1e12) throw new Error('the quality gate cannot be met with these modes');
  }
  for (let i = 0; i < 50; i += 1) {
    const mid = (low + high) / 2;
    if (assign(input, modes, mid).meanLoss > input.maxMeanLossPoints) low = mid;
    else high = mid;
  }
  return assign(input, modes, high).modes;
}
