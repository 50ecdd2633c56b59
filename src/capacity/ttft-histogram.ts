/** Time to first token a mode's requests saw over the stable window, as the routers' histogram records it. */
export interface ObservedTtft {
  p95Seconds: number;
  /** First tokens the p95 is read from. */
  count: number;
}

/** Cumulative bucket counts of a Prometheus histogram: `le` upper bounds ascending (without +Inf) and the total. */
export interface HistogramCounts {
  bounds: readonly number[];
  /** Observations ≤ each bound. */
  cumulative: readonly number[];
  /** Every observation: the +Inf bucket. */
  total: number;
}

/** Counts of raw observations in the buckets a histogram with these bounds would hold. */
export function histogramOf(bounds: readonly number[], values: Iterable<number>): HistogramCounts {
  const cumulative = bounds.map(() => 0);
  let total = 0;
  for (const v of values) {
    total += 1;
    for (let i = 0; i < bounds.length; i += 1)
      if (v <= (bounds[i] as number)) cumulative[i] = (cumulative[i] as number) + 1;
  }
  return { bounds, cumulative, total };
}

/**
 * The q-quantile as Prometheus' histogram_quantile() reads it: linear interpolation inside the bucket the rank falls
 * in (the first bucket starts at 0); a rank in the +Inf bucket answers the largest finite bound. Undefined when empty.
 */
export function histogramQuantile(q: number, h: HistogramCounts): number | undefined {
  if (h.total <= 0) return undefined;
  const rank = q * h.total;
  let below = 0;
  let lower = 0;
  for (let i = 0; i < h.bounds.length; i += 1) {
    const upper = h.bounds[i] as number;
    const count = h.cumulative[i] as number;
    if (count >= rank) return count === below ? upper : lower + ((upper - lower) * (rank - below)) / (count - below);
    below = count;
    lower = upper;
  }
  return lower;
}

/** The p95 of a mode's TTFT histogram over the window, with how many first tokens it is from. */
export function observedTtftOf(h: HistogramCounts): ObservedTtft | undefined {
  const p95 = histogramQuantile(0.95, h);
  return p95 === undefined ? undefined : { p95Seconds: p95, count: h.total };
}
