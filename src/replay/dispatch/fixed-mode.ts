import type { Dispatcher } from '../fleet/dispatcher.js';
import type { FleetGpu } from '../fleet/pool.js';
import { leastLoaded } from './least-loaded.js';

/** Every request to the least-loaded GPU of a pool (a fixed-mode fleet, or always-FP16). */
export function fixedModeDispatcher(gpus: readonly FleetGpu[]): Dispatcher {
  return { dispatch: () => ({ gpu: leastLoaded(gpus) }) };
}
