import { createRng } from '../../model/rng.js';
import type { TraceRecord } from './trace.js';

export interface DailyOptions {
  /** Length of the workload, hours. */
  hours: number;
  /** Simulated hours that one full day's cycle is compressed into (24: a real day). */
  dayHours: number;
  /** Rate at the trough as a share of the peak. */
  troughShare: number;
  /** Peak rate as a multiple of the trace's own (the hour's arrivals compressed by this factor). */
  peakRateScale: number;
  seed: number;
}

/** Rate multiplier at a time: a cosine day with the trough at the start and the peak half a day later. */
export function dailyRateShare(seconds: number, o: Pick<DailyOptions, 'dayHours' | 'troughShare'>): number {
  const phase = (2 * Math.PI * seconds) / (o.dayHours * 3600);
  return o.troughShare + ((1 - o.troughShare) * (1 - Math.cos(phase))) / 2;
}

/**
 * A multi-hour workload with a daily rate swing, built from one hour of a production trace: the hour, its arrival
 * times compressed by peakRateScale, is replayed back to back (prompts, answers and burstiness kept), and each request
 * is kept with probability dailyRateShare(t), thinning the peak rate down to the trough (docs/workload.md).
 */
export function dailyWorkload(hour: readonly TraceRecord[], o: DailyOptions): TraceRecord[] {
  if (hour.length === 0) throw new Error('the daily workload needs a non-empty trace hour');
  if (!(o.peakRateScale > 0)) throw new Error(`peakRateScale must be > 0, got ${o.peakRateScale}`);
  const period = 3600 / o.peakRateScale;
  const random = createRng(o.seed);
  const out: TraceRecord[] = [];
  for (let start = 0; start < o.hours * 3600; start += period) {
    for (const r of hour) {
      const t = start + (r.arrivalSeconds % 3600) / o.peakRateScale;
      if (t < o.hours * 3600 && random() < dailyRateShare(t, o)) out.push({ ...r, arrivalSeconds: t });
    }
  }
  return out.sort((a, b) => a.arrivalSeconds - b.arrivalSeconds);
}
