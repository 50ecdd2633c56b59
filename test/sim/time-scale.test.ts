import { ScaledClock, type WallClock } from '../../src/sim/engine/clock.js';
import { createEngineCore } from '../../src/sim/engine/core.js';
import { LiveDriver } from '../../src/sim/engine/live-driver.js';
import type { RequestResult } from '../../src/sim/engine/core-types.js';
import { resolveMode } from '../../src/model/mode-presets.js';

/** A wall clock moved by hand: timers fire only when the test advances it. */
class ManualWallClock implements WallClock {
  private ms = 0;
  private timers: Array<{ at: number; fn: () => void }> = [];
  nowMs(): number {
    return this.ms;
  }
  setTimer(fn: () => void, delayMs: number): () => void {
    const timer = { at: this.ms + delayMs, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  advance(ms: number): void {
    const end = this.ms + ms;
    for (let guard = 0; guard < 100_000; guard += 1) {
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.ms = next.at;
      next.fn();
    }
    this.ms = end;
  }
}

function runAt(timeScale: number) {
  const wall = new ManualWallClock();
  const core = createEngineCore({ gpu: 'h100-80gb', model: 'llama-3.1-8b-instruct', mode: resolveMode('fp16') });
  const driver = new LiveDriver(core, new ScaledClock(wall, timeScale), wall);
  let result: RequestResult | undefined;
  core.submit({ id: 'a', promptTokens: 500, outputTokens: 100, maxTokens: 100 }, (e) => {
    if (e.type === 'done') result = e.result;
  });
  driver.schedule();
  let wallMs = 0;
  while (!result && wallMs < 60_000) {
    wall.advance(1);
    wallMs += 1;
  }
  return { simSeconds: result!.finishTime, wallMs };
}

describe('time scale', () => {
  it('runs the same simulated schedule in 1/scale of the wall time', () => {
    const real = runAt(1);
    const fast = runAt(50);
    expect(fast.simSeconds).toBeCloseTo(real.simSeconds, 9);
    expect(real.wallMs).toBe(Math.ceil(real.simSeconds * 1000));
    expect(fast.wallMs).toBe(Math.ceil((real.simSeconds * 1000) / 50));
  });
});

describe('changing the time scale', () => {
  it('keeps simulated time continuous and runs at the new pace from then on', () => {
    const wall = new ManualWallClock();
    const clock = new ScaledClock(wall, 5);
    wall.advance(2000);
    expect(clock.now()).toBeCloseTo(10);
    clock.setTimeScale(1);
    expect(clock.now()).toBeCloseTo(10);
    wall.advance(3000);
    expect(clock.now()).toBeCloseTo(13);
    expect(clock.wallDelayMs(15)).toBeCloseTo(2000);
  });

  it("re-arms the driver's timer, so a request in flight finishes at the new pace", () => {
    const wall = new ManualWallClock();
    const clock = new ScaledClock(wall, 10);
    const core = createEngineCore({ gpu: 'h100-80gb', model: 'llama-3.1-8b-instruct', mode: resolveMode('fp16') });
    const driver = new LiveDriver(core, clock, wall);
    let done: number | undefined;
    core.submit({ id: 'a', promptTokens: 500, outputTokens: 400, maxTokens: 400 }, (e) => {
      if (e.type === 'done') done = wall.nowMs();
    });
    driver.schedule();
    wall.advance(10);
    clock.setTimeScale(1);
    driver.reschedule();
    // The next iteration ends `left` simulated seconds from now: as many wall seconds at the new pace. A timer armed
    // at the old pace would fire ten times too early and run the core ahead of the clock.
    const next = core.nextEventTime()!;
    const left = next - clock.now();
    wall.advance(left * 1000 - 1);
    expect(core.now()).toBeLessThan(next);
    wall.advance(1);
    expect(core.now()).toBeGreaterThanOrEqual(next);
    wall.advance(100_000);
    expect(done).toBeDefined();
  });
});
