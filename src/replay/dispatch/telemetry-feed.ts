import type { EngineCore } from '../../sim/engine/core.js';
import type { GpuReading } from '../../router/telemetry/gpu-sample.js';
import type { TelemetryStore } from '../../router/telemetry/telemetry-store.js';

/** A simulated single-GPU replica as the router sees it: a static fleet's GPU or a scaling fleet's pod. */
export interface ReplayPod {
  index: number;
  mode: string;
  core: EngineCore;
  /** Requests sent to it and not finished. */
  inFlight: number;
}

/** How the router names a simulated GPU's pod: the URL and pod the registry and the telemetry store join on. */
export function podIdentity(gpu: Pick<ReplayPod, 'index' | 'mode'>): { url: string; pod: string; namespace: string } {
  return { url: `http://sim-gpu-${gpu.index}.fleet:8000`, pod: `${gpu.mode}-${gpu.index}`, namespace: 'fleet' };
}

/** Writes the vLLM gauges and counters the router's scraper would read from each pod's engine at `atMs`. */
export function recordEngines(pods: readonly ReplayPod[], store: TelemetryStore, atMs: number): void {
  for (const p of pods) {
    const core = p.core;
    store.recordEngine(
      podIdentity(p).url,
      p.mode,
      {
        queueDepth: core.queueDepth(),
        running: core.runningCount(),
        kvCacheUsage: core.kvCacheUsage(),
        generationTokens: core.counters().generationTokens,
      },
      atMs,
    );
  }
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
export function createTelemetryFeed(pods: readonly ReplayPod[], store: TelemetryStore): (nowSeconds: number) => void {
  const last = new Map<number, LastReading>();
  return (nowSeconds) => {
    const at = nowSeconds * 1000;
    recordEngines(pods, store, at);
    const readings: GpuReading[] = [];
    for (const g of pods) {
      const core = g.core;
      const energy = core.energyJoules();
      const busy = core.busySeconds();
      const prev = last.get(g.index);
      const dt = prev ? nowSeconds - prev.t : 0;
      last.set(g.index, { t: nowSeconds, energy, busy });
      readings.push({
        gpu: `sim-gpu-${g.index}`,
        pod: podIdentity(g).pod,
        namespace: 'fleet',
        powerWatts: prev && dt > 0 ? (energy - prev.energy) / dt : core.powerWatts(),
        utilization: prev && dt > 0 ? Math.min(1, (busy - prev.busy) / dt) : 0,
        energyMillijoules: energy * 1000,
      });
    }
    store.recordGpus(readings, at);
  };
}
