import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import { policyDispatcher } from '../../replay/dispatch/policy.js';
import { fleetMetrics, type FleetMetrics } from '../../replay/fleet-metrics.js';
import type { FleetMode } from '../../model/policy-modes.js';
import { modelById } from '../../model/models.js';
import { qualityOfModes } from '../../model/quality.js';
import { createFleetPool } from '../../replay/fleet/pool.js';
import { replayFleet } from '../../replay/replay-fleet.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';

export interface SimulatedPolicyOptions {
  policy: InferenceModePolicy;
  modes: readonly FleetMode[];
  requests: readonly WorkloadRequest[];
  gpu: string;
  model: string;
  seed: number;
}

/** The same policy replayed in simulated time only (no HTTP, no timers): what the demo's figures should approach. */
export function policyInSimulatedTime(o: SimulatedPolicyOptions): FleetMetrics {
  const gpus = createFleetPool({ gpu: o.gpu, model: o.model, modes: o.modes, seed: o.seed });
  const run = replayFleet({
    gpus,
    dispatcher: policyDispatcher({ policy: o.policy, gpus }),
    requests: o.requests,
    tickSeconds: 1,
  });
  return fleetMetrics(run, qualityOfModes(new Map(o.modes.map((m) => [m.name, m.profile])), modelById(o.model)));
}
