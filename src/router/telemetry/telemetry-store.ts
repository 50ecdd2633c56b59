import { counterDelta } from '../../metrics/counter-delta.js';
import { energyUsed, type EnergyReading } from '../../metrics/dcgm-energy.js';
import type { EngineSample } from './engine-sample.js';
import type { GpuReading } from './gpu-sample.js';

/** A value with the time (ms) it was scraped: every reading carries its age. */
export interface Timed<T> {
  value: T;
  at: number;
}

export interface PodGpus {
  powerWatts?: number;
  utilization?: number;
}

export interface TelemetryStoreOptions {
  /** The mode a GPU's pod belongs to, or undefined when the pod is not one of ours. */
  modeOfPod: (namespace: string | undefined, pod: string) => string | undefined;
  /** Called with the energy each mode used since the last scrape (joules); drives modeswitch_energy_joules_total. */
  onEnergy: (mode: string, joules: number) => void;
  /**
   * Called with each pod's average power since the previous scrape (watts, all its GPUs, from energy-counter deltas,
   * metrics/dcgm-energy.ts). Feeds the live mode models.
   */
  onPodPower?: (namespace: string | undefined, pod: string, watts: number) => void;
  /** Window over which energy per token is measured. */
  energyWindowMs: number;
}

interface WindowEntry {
  at: number;
  joules: number;
  tokens: number;
}

/** Latest readings per pod and per-mode energy accounting. Written by the scraper, read by the mode view. */
export class TelemetryStore {
  private engines = new Map<string, Timed<EngineSample>>();
  private gpus = new Map<string, Timed<PodGpus>>();
  private energyCounters = new Map<string, EnergyReading>();
  private tokenCounters = new Map<string, number>();
  private windows = new Map<string, WindowEntry[]>();
  private changes = 0;

  constructor(private readonly options: TelemetryStoreOptions) {}

  /** Bumped on every write so readers can cache derived views. */
  get generation(): number {
    return this.changes;
  }

  engine(url: string): Timed<EngineSample> | undefined {
    return this.engines.get(url);
  }

  podGpus(namespace: string | undefined, pod: string): Timed<PodGpus> | undefined {
    return (
      this.gpus.get(podKey(namespace, pod)) ?? (namespace === undefined ? this.gpus.get(podKey('*', pod)) : undefined)
    );
  }

  recordEngine(url: string, mode: string, sample: EngineSample, at: number): void {
    this.engines.set(url, { value: sample, at });
    if (sample.generationTokens !== undefined) {
      const tokens = counterDelta(this.tokenCounters.get(url), sample.generationTokens);
      this.tokenCounters.set(url, sample.generationTokens);
      if (tokens > 0) this.window(mode).push({ at, joules: 0, tokens });
    }
    this.changes++;
  }

  /** One dcgm-exporter page: per-pod power and utilisation, and energy deltas per mode. */
  recordGpus(readings: readonly GpuReading[], at: number): void {
    const perPod = new Map<string, { power: number; powerN: number; util: number; utilN: number }>();
    const joulesByMode = new Map<string, number>();
    const podWatts = new Map<string, { namespace: string | undefined; pod: string; watts: number | undefined }>();
    for (const r of readings) {
      if (r.energyMillijoules !== undefined) {
        const reading: EnergyReading = { millijoules: r.energyMillijoules, atMs: at };
        const used = energyUsed(this.energyCounters.get(r.gpu), reading);
        this.energyCounters.set(r.gpu, reading);
        const mode = r.pod ? this.options.modeOfPod(r.namespace, r.pod) : undefined;
        if (mode && used.joules > 0) joulesByMode.set(mode, (joulesByMode.get(mode) ?? 0) + used.joules);
        if (mode && r.pod) {
          const key = podKey(r.namespace, r.pod);
          const acc = podWatts.get(key) ?? { namespace: r.namespace, pod: r.pod, watts: 0 };
          // One GPU without an interval yet (a first reading) leaves the pod's total unknown for this scrape.
          acc.watts = acc.watts === undefined || used.watts === undefined ? undefined : acc.watts + used.watts;
          podWatts.set(key, acc);
        }
      }
      if (!r.pod) continue;
      const key = podKey(r.namespace, r.pod);
      const acc = perPod.get(key) ?? { power: 0, powerN: 0, util: 0, utilN: 0 };
      if (r.powerWatts !== undefined) {
        acc.power += r.powerWatts;
        acc.powerN++;
      }
      if (r.utilization !== undefined) {
        acc.util += r.utilization;
        acc.utilN++;
      }
      perPod.set(key, acc);
    }
    for (const [key, acc] of perPod) {
      const value: PodGpus = {};
      if (acc.powerN > 0) value.powerWatts = acc.power;
      if (acc.utilN > 0) value.utilization = acc.util / acc.utilN;
      const timed = { value, at };
      this.gpus.set(key, timed);
      // Lets a standalone endpoint that names only its pod (no namespace) find its GPUs.
      this.gpus.set(podKey('*', key.slice(key.indexOf('/') + 1)), timed);
    }
    for (const p of podWatts.values())
      if (p.watts !== undefined) this.options.onPodPower?.(p.namespace, p.pod, p.watts);
    for (const [mode, joules] of joulesByMode) {
      this.options.onEnergy(mode, joules);
      this.window(mode).push({ at, joules, tokens: 0 });
    }
    this.changes++;
  }

  /** Joules per generated token over the window, or undefined when the mode generated nothing in it. */
  energyPerToken(mode: string, now: number): number | undefined {
    const w = this.windows.get(mode);
    if (!w) return undefined;
    const since = now - this.options.energyWindowMs;
    while (w.length > 0 && (w[0] as WindowEntry).at < since) w.shift();
    let joules = 0;
    let tokens = 0;
    for (const e of w) {
      joules += e.joules;
      tokens += e.tokens;
    }
    return tokens > 0 && joules > 0 ? joules / tokens : undefined;
  }

  /** Drops the readings of pods (and modes) that are gone, so memory follows the pod set over every rollout. */
  retain(pods: readonly { url: string; mode: string; pod?: string; namespace?: string }[]): void {
    const urls = new Set(pods.map((p) => p.url));
    const podKeys = new Set(pods.flatMap((p) => (p.pod ? [podKey(p.namespace, p.pod), podKey('*', p.pod)] : [])));
    const modes = new Set(pods.map((p) => p.mode));
    for (const url of this.engines.keys()) if (!urls.has(url)) this.engines.delete(url);
    for (const url of this.tokenCounters.keys()) if (!urls.has(url)) this.tokenCounters.delete(url);
    for (const key of this.gpus.keys()) if (!podKeys.has(key)) this.gpus.delete(key);
    for (const mode of this.windows.keys()) if (!modes.has(mode)) this.windows.delete(mode);
  }

  /** How many pods and modes the store holds readings for (memory bound checks). */
  size(): { engines: number; podGpus: number; modes: number } {
    return { engines: this.engines.size, podGpus: this.gpus.size, modes: this.windows.size };
  }

  private window(mode: string): WindowEntry[] {
    let w = this.windows.get(mode);
    if (!w) {
      w = [];
      this.windows.set(mode, w);
    }
    return w;
  }
}

function podKey(namespace: string | undefined, pod: string): string {
  return `${namespace ?? ''}/${pod}`;
}
