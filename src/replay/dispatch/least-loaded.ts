import type { FleetGpu } from '../fleet/pool.js';

/** The GPU with the fewest requests in flight (lowest index on ties): a router's choice without telemetry. */
export function leastLoaded(gpus: readonly FleetGpu[]): FleetGpu {
  let best = gpus[0];
  if (!best) throw new Error('no GPU to pick from');
  for (const g of gpus) if (g.inFlight < best.inFlight) best = g;
  return best;
}
