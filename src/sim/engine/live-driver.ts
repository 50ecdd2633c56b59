import type { ScaledClock, WallClock } from './clock.js';
import type { EngineCore } from './core.js';

/**
 * Runs an engine core against a scaled clock: one timer armed for the core's next event, re-armed after every
 * change. The core stays the only source of truth; this only decides when to call advanceTo.
 */
export class LiveDriver {
  private cancel: (() => void) | undefined;
  private armedFor: number | undefined;
  private stopped = false;
  private lateSum = 0;
  private lateMax = 0;
  private fired = 0;

  constructor(
    private readonly core: EngineCore,
    private readonly clock: ScaledClock,
    private readonly wall: WallClock,
  ) {}

  /** Brings the core up to the current simulated time (call before reading or changing it). */
  sync(): void {
    const now = this.clock.now();
    if (now > this.core.now()) this.core.advanceTo(now);
  }

  /** Re-arms the timer for the core's next event. */
  schedule(): void {
    if (this.stopped) return;
    const next = this.core.nextEventTime();
    if (next === undefined) return this.disarm();
    if (this.armedFor === next && this.cancel) return;
    this.disarm();
    this.armedFor = next;
    this.cancel = this.wall.setTimer(() => this.fire(next), this.clock.wallDelayMs(next));
  }

  /** Re-arms the timer from scratch: the clock's pace changed, so the armed delay is wrong. */
  reschedule(): void {
    this.disarm();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  /** How late timers fired, in simulated seconds: the delay clients see beyond the model when the process is overloaded. */
  lateness(): { meanSeconds: number; maxSeconds: number; timers: number } {
    return {
      meanSeconds: this.fired > 0 ? this.lateSum / this.fired : 0,
      maxSeconds: this.lateMax,
      timers: this.fired,
    };
  }

  private fire(target: number): void {
    this.cancel = undefined;
    this.armedFor = undefined;
    const late = Math.max(0, this.clock.now() - target);
    this.lateSum += late;
    this.lateMax = Math.max(this.lateMax, late);
    this.fired += 1;
    // Timers can fire a hair early; never let the event at `target` wait for another timer.
    this.core.advanceTo(Math.max(this.clock.now(), target));
    this.schedule();
  }

  private disarm(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.armedFor = undefined;
  }
}
