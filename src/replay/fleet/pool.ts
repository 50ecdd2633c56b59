import { createEngineCore, type EngineCore } from '../../sim/engine/core.js';
import type { FleetMode } from '../../model/policy-modes.js';

/** One simulated GPU (one single-GPU replica) of a fleet. */
export interface FleetGpu {
  index: number;
  mode: string;
  core: EngineCore;
  /** Requests sent to it and not finished: what a router knows without telemetry. */
  inFlight: number;
}

export interface FleetPoolOptions {
  gpu: string;
  model: string;
  modes: readonly FleetMode[];
  seed: number;
}

/** A core per replica of every mode; seeds differ per GPU so speculative acceptance is not in lockstep. */
export function createFleetPool(options: FleetPoolOptions): FleetGpu[] {
  const gpus: FleetGpu[] = [];
  for (const mode of options.modes) {
    for (let r = 0; r < mode.replicas; r += 1) {
      const index = gpus.length;
      const core = createEngineCore({
        gpu: options.gpu,
        model: options.model,
        mode: mode.profile,
        seed: options.seed * 1000 + index,
      });
      gpus.push({ index, mode: mode.name, core, inFlight: 0 });
    }
  }
  if (gpus.length === 0) throw new Error('a fleet needs at least one replica');
  return gpus;
}
