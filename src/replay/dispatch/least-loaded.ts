/** The pod with the fewest requests in flight (lowest index on ties): a router's choice without telemetry. */
export function leastLoaded<P extends { inFlight: number }>(pods: readonly P[]): P {
  let best = pods[0];
  if (!best) throw new Error('no GPU to pick from');
  for (const p of pods) if (p.inFlight < best.inFlight) best = p;
  return best;
}
