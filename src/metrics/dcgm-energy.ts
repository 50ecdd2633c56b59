import { counterDelta } from './counter-delta.js';

/** One reading of a GPU's DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: millijoules since its driver loaded, at a time (ms). */
export interface EnergyReading {
  millijoules: number;
  atMs: number;
}

/** What a GPU used between two readings of its energy counter. */
export interface EnergyUsed {
  joules: number;
  /** Average power over the interval; undefined for a first reading or when no time passed. */
  watts?: number;
}

/**
 * The one conversion of the DCGM energy counter, for the energy totals and for the power the mode models are fitted
 * on alike. A reading below the previous one means the driver reloaded and the counter restarted from zero within the
 * interval: the new reading is what was used (counterDelta's rule, and Prometheus' rate()), so the interval's power
 * counts only the part after the reset, never a negative or a skipped interval.
 */
export function energyUsed(previous: EnergyReading | undefined, current: EnergyReading): EnergyUsed {
  const joules = counterDelta(previous?.millijoules, current.millijoules) / 1000;
  if (!previous || !(current.atMs > previous.atMs)) return { joules };
  return { joules, watts: joules / ((current.atMs - previous.atMs) / 1000) };
}
