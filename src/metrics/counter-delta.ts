/**
 * Increase of a monotonic counter between two readings, reset-safe: a reading below the previous one means the
 * counter restarted from zero (driver reload, engine restart), so the whole new reading is the increase.
 */
export function counterDelta(previous: number | undefined, current: number): number {
  if (previous === undefined) return 0;
  return current >= previous ? current - previous : current;
}
