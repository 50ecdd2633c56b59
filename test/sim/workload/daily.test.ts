import { dailyRateShare, dailyWorkload } from '../../../src/sim/workload/daily.js';
import type { TraceRecord } from '../../../src/sim/workload/trace.js';

/** One request a second for an hour. */
const hour: TraceRecord[] = Array.from({ length: 3600 }, (_, i) => ({
  arrivalSeconds: i,
  inputTokens: 100 + i,
  outputTokens: 10,
}));
const options = { hours: 4, dayHours: 4, troughShare: 0.1, peakRateScale: 2, seed: 1 };

describe('dailyWorkload', () => {
  it('swings the rate from the trough at the start to the peak half a day later', () => {
    expect(dailyRateShare(0, options)).toBeCloseTo(0.1);
    expect(dailyRateShare(2 * 3600, options)).toBeCloseTo(1);
    const w = dailyWorkload(hour, options);
    const perHour = [0, 1, 2, 3].map(
      (h) => w.filter((r) => r.arrivalSeconds >= h * 3600 && r.arrivalSeconds < (h + 1) * 3600).length,
    );
    // The peak hours run near twice the trace's rate (peakRateScale 2), the first hour well below.
    expect(perHour[1]! + perHour[2]!).toBeGreaterThan(2 * 7200 * 0.6);
    expect(perHour[0]!).toBeLessThan(perHour[1]! / 1.5);
    expect(Math.max(...w.map((r) => r.arrivalSeconds))).toBeLessThan(4 * 3600);
  });

  it('keeps the trace requests as they were, sorted, and is the same for the same seed', () => {
    const a = dailyWorkload(hour, options);
    expect(a).toEqual(dailyWorkload(hour, options));
    expect(a.every((r, i) => i === 0 || r.arrivalSeconds >= a[i - 1]!.arrivalSeconds)).toBe(true);
    expect(a.every((r) => r.inputTokens >= 100 && r.outputTokens === 10)).toBe(true);
    expect(dailyWorkload(hour, { ...options, seed: 2 })).not.toEqual(a);
  });

  it('refuses an empty trace and a non-positive rate scale', () => {
    expect(() => dailyWorkload([], options)).toThrow(/non-empty/);
    expect(() => dailyWorkload(hour, { ...options, peakRateScale: 0 })).toThrow(/peakRateScale/);
  });
});
