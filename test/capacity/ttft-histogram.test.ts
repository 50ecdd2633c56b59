import { histogramOf, histogramQuantile, observedTtftOf } from '../../src/capacity/ttft-histogram.js';

const BOUNDS = [0.1, 0.25, 0.5, 1, 2.5];

describe('histogramQuantile', () => {
  it('interpolates inside the bucket the rank falls in, as Prometheus histogram_quantile does', () => {
    // 100 observations: 90 ≤ 0.25 s, 10 between 0.5 and 1 s. The 95th falls halfway into the (0.5, 1] bucket.
    const h = histogramOf(BOUNDS, [...Array(90).fill(0.2), ...Array(10).fill(0.8)]);
    expect(h.cumulative).toEqual([0, 90, 90, 100, 100]);
    expect(histogramQuantile(0.95, h)).toBeCloseTo(0.75);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.1 + 0.15 * (50 / 90));
  });

  it('answers the largest finite bound for a rank past it, and nothing for an empty histogram', () => {
    expect(histogramQuantile(0.95, histogramOf(BOUNDS, [30, 40, 50]))).toBe(2.5);
    expect(histogramQuantile(0.95, histogramOf(BOUNDS, []))).toBeUndefined();
    expect(observedTtftOf(histogramOf(BOUNDS, []))).toBeUndefined();
  });

  it('reports the p95 with the number of first tokens it is read from', () => {
    expect(observedTtftOf(histogramOf(BOUNDS, Array(40).fill(0.05)))).toEqual({
      p95Seconds: expect.closeTo(0.095, 6),
      count: 40,
    });
  });
});
