/** Power integrated over simulated time: the running iteration's power, or idle power between iterations. */
export class EnergyMeter {
  private joules = 0;
  private idleJoules = 0;
  private busy = 0;

  /** `gpus`: every GPU of the replica draws the same power. */
  constructor(
    private readonly idleWatts: number,
    private readonly gpus: number,
  ) {}

  /** Accounts `seconds` spent in `step` (per-GPU watts and kernel-busy share), or idle when none ran. */
  add(seconds: number, step?: { power: number; busyFraction: number }): void {
    if (seconds <= 0) return;
    const joules = (step ? step.power : this.idleWatts) * this.gpus * seconds;
    this.joules += joules;
    if (step) this.busy += step.busyFraction * seconds;
    else this.idleJoules += joules;
  }

  energyJoules(): number {
    return this.joules;
  }

  /** The part of energyJoules drawn between iterations, with nothing running. */
  idleEnergyJoules(): number {
    return this.idleJoules;
  }

  busySeconds(): number {
    return this.busy;
  }
}
