/** Wall-clock source and timers, injected so tests can drive time by hand. */
export interface WallClock {
  /** Milliseconds, monotonic. */
  nowMs(): number;
  setTimer(fn: () => void, delayMs: number): () => void;
}

export const systemWallClock: WallClock = {
  nowMs: () => performance.now(),
  setTimer(fn, delayMs) {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};

/** Simulated seconds that run `timeScale` times faster than the wall clock (1 = real time for the demo). */
export class ScaledClock {
  private readonly wallStartMs: number;

  constructor(
    private readonly wall: WallClock,
    readonly timeScale: number,
    private readonly simStart = 0,
  ) {
    if (!(timeScale > 0)) throw new Error(`time scale must be > 0, got ${timeScale}`);
    this.wallStartMs = wall.nowMs();
  }

  now(): number {
    return this.simStart + ((this.wall.nowMs() - this.wallStartMs) / 1000) * this.timeScale;
  }

  /** Wall milliseconds until simulated time `t`. */
  wallDelayMs(t: number): number {
    return Math.max(0, ((t - this.now()) * 1000) / this.timeScale);
  }
}
