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
  private wallStartMs: number;
  private scale: number;

  constructor(
    private readonly wall: WallClock,
    timeScale: number,
    private simStart = 0,
  ) {
    this.scale = ScaledClock.checked(timeScale);
    this.wallStartMs = wall.nowMs();
  }

  private static checked(timeScale: number): number {
    if (!(timeScale > 0)) throw new Error(`time scale must be > 0, got ${timeScale}`);
    return timeScale;
  }

  get timeScale(): number {
    return this.scale;
  }

  /** Runs at `timeScale` from now on, continuing from the current simulated time. */
  setTimeScale(timeScale: number): void {
    const now = this.now();
    this.scale = ScaledClock.checked(timeScale);
    this.simStart = now;
    this.wallStartMs = this.wall.nowMs();
  }

  now(): number {
    return this.simStart + ((this.wall.nowMs() - this.wallStartMs) / 1000) * this.scale;
  }

  /** Wall milliseconds until simulated time `t`. */
  wallDelayMs(t: number): number {
    return Math.max(0, ((t - this.now()) * 1000) / this.scale);
  }
}
