import type { Dispatcher } from '../fleet/dispatcher.js';
import type { FleetGpu } from '../fleet/pool.js';
import { leastLoaded } from './least-loaded.js';

/** Each request to the mode an assignment names (the oracle's), least-loaded GPU within the mode. */
export function assignedModeDispatcher(gpus: readonly FleetGpu[], modeOf: (requestId: number) => string): Dispatcher {
  const byMode = new Map<string, FleetGpu[]>();
  for (const g of gpus) byMode.set(g.mode, [...(byMode.get(g.mode) ?? []), g]);
  return {
    dispatch(request) {
      const mode = modeOf(request.id);
      const pool = byMode.get(mode);
      if (!pool) throw new Error(`request ${request.id} is assigned to mode "${mode}", which has no GPU in this fleet`);
      return { gpu: leastLoaded(pool), rule: 'oracle' };
    },
  };
}
