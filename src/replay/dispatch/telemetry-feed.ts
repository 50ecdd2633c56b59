import type { TelemetryStore } from '../../router/telemetry/telemetry-store.js';
import type { GpuReading } from '../../router/telemetry/gpu-sample.js';
import type { FleetGpu } from '../fleet/pool.js';

/** How the router names a simulated GPU's pod: the URL and pod the registry and the telemetry store join on. */
export function podIdentity(gpu: FleetGpu): { url: string; pod: string; namespace: string } {
  return { url: `http://sim-gpu-${gpu.index}.fleet:8000`, pod: `${gpu.mode}-${gpu.index}`, namespace: 'fleet' };
}

interface LastReading {
  t: number;
  energy: number;
  busy: number;
}

/**
 * Writes what the router's scraper would read at simulated time `nowSeconds` into its telemetry store: vLLM gauges
 * and counters per engine, and dcgm-exporter power (average since the previous scrape, as DCGM samples it),
 * utilisation and the energy counter per GPU.
 */
export function createTelemetryFeed(gpus: readonly FleetGpu[], store: TelemetryStore): (nowSeconds: number) => void {
  const last = new Map<number, LastReading>();
  return (nowSeconds) => {
    const at = nowSeconds * 1000;
    const readings: GpuReading[] = [];
    for (const g of gpus) {
      const id = podIdentity(g);
      const core = g.core;
      store.recordEngine(
        id.url,
        g.mode,
        {
          queueDepth: core.queueDepth(),
          running: core.runningCount(),
          kvCacheUsage: core.kvCacheUsage(),
          generationTokens: core.counters().generationTokens,
        },
        at,
      );
      const energy = core.energyJoules();
      const busy = core.busySeconds();
      const prev = last.get(g.index);
      const dt = prev ? nowSeconds - prev.t : 0;
      last.set(g.index, { t: nowSeconds, energy, busy });
      readings.push({
        gpu: `sim-gpu-${g.index}`,
        pod: id.pod,
        namespace: id.namespace,
        powerWatts: prev && dt > 0 ? (energy - prev.energy) / dt : core.powerWatts(),
        utilization: prev && dt > 0 ? Math.min(1, (busy - prev.busy) / dt) : 0,
        energyMillijoules: energy * 1000,
      });
    }
    store.recordGpus(readings, at);
  };
}
