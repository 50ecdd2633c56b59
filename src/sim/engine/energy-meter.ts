/** Power integrated over simulated time: the running iteration's power, or idle power between iterations. */
export class EnergyMeter {
  private joules = 0;
  private busy = 0;

  /** `gpus`: every GPU of the replica draws the same power. */
  constructor(
    private readonly idleWatts: number,
    private readonly gpus: number,
  ) {}

  /** Accounts `seconds` spent in `step` (per-GPU watts and kernel-busy share), or idle when none ran. */
  add(seconds: number, step?: { power: number; busyFraction: number }): void {
    if (seconds <= 0) return;
    this.joules += (step ? step.power : this.idleWatts) * this.gpus * seconds;
    if (step) this.busy += step.busyFraction * seconds;
  }

  energyJoules(): number {
    return this.joules;
  }

  busySeconds(): number {
    return this.busy;
  }
}
