import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import { fixedModeDispatcher } from '../../replay/dispatch/fixed-mode.js';
import { policyDispatcher } from '../../replay/dispatch/policy.js';
import { fleetMetrics, type FleetMetrics } from '../../replay/fleet-metrics.js';
import { singleModeFleet, type FleetMode } from '../../model/policy-modes.js';
import { modelById } from '../../model/models.js';
import { qualityOfModes } from '../../model/quality.js';
import { createFleetPool } from '../../replay/fleet/pool.js';
import { replayFleet } from '../../replay/replay-fleet.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';

export interface BaselineOptions {
  policy: InferenceModePolicy;
  modes: readonly FleetMode[];
  baselineMode: string;
  requests: readonly WorkloadRequest[];
  gpu: string;
  model: string;
  seed: number;
}

/** Always-FP16 on the demo's GPU count, replayed in simulated time (milliseconds of CPU, no sockets). */
export function alwaysBaseline(o: BaselineOptions): FleetMetrics {
  const modes = singleModeFleet(o.modes, o.baselineMode);
  const gpus = createFleetPool({ gpu: o.gpu, model: o.model, modes, seed: o.seed });
  const run = replayFleet({ gpus, dispatcher: fixedModeDispatcher(gpus), requests: o.requests, tickSeconds: 1 });
  return fleetMetrics(run, qualityOfModes(new Map(modes.map((m) => [m.name, m.profile])), modelById(o.model)));
}

/** The same policy replayed in simulated time only (no HTTP, no timers): what the demo's figures should approach. */
export function policyInSimulatedTime(o: BaselineOptions): FleetMetrics {
  const gpus = createFleetPool({ gpu: o.gpu, model: o.model, modes: o.modes, seed: o.seed });
  const run = replayFleet({
    gpus,
    dispatcher: policyDispatcher({ policy: o.policy, gpus }),
    requests: o.requests,
    tickSeconds: 1,
  });
  return fleetMetrics(run, qualityOfModes(new Map(o.modes.map((m) => [m.name, m.profile])), modelById(o.model)));
}
