import type { ModeState } from '../../api/v1alpha1/rule-env.js';
import type { PodRecord } from '../pods/endpoint.js';
import type { PodView } from '../decide/pod-view.js';
import type { TelemetryStore, Timed } from './telemetry-store.js';

/** Everything a decision reads about the modes at one instant. */
export interface ModeView {
  states: Map<string, ModeState>;
  pods: Map<string, PodView[]>;
  /** True when at least one mode has a healthy pod: drives readiness. */
  anyHealthy: boolean;
}

export interface BuildModeViewInput {
  modes: readonly string[];
  podsOf: (mode: string) => readonly PodRecord[];
  store: TelemetryStore;
  now: number;
  /** guards.telemetryMaxAgeSeconds in ms: older values are unknown. */
  maxAgeMs: number;
}

function fresh<T>(t: Timed<T> | undefined, now: number, maxAgeMs: number): Timed<T> | undefined {
  return t && now - t.at <= maxAgeMs ? t : undefined;
}

/**
 * Joins pods with their fresh readings and aggregates each mode. A sum over pods is only known when every healthy
 * pod's value is known: a missing pod would make a busy mode look idle.
 */
export function buildModeView(input: BuildModeViewInput): ModeView {
  const { modes, podsOf, store, now, maxAgeMs } = input;
  const states = new Map<string, ModeState>();
  const pods = new Map<string, PodView[]>();
  let anyHealthy = false;
  for (const mode of modes) {
    const views: PodView[] = [];
    let oldest = -1;
    const track = (at: number) => {
      oldest = Math.max(oldest, now - at);
    };
    for (const record of podsOf(mode)) {
      const view: PodView = { record, healthy: record.ready && !record.checkFailing && record.ejectedUntil <= now };
      const engine = fresh(store.engine(record.url), now, maxAgeMs);
      if (engine) {
        track(engine.at);
        if (engine.value.queueDepth !== undefined) view.queueDepth = engine.value.queueDepth;
        if (engine.value.running !== undefined) view.running = engine.value.running;
        if (engine.value.kvCacheUsage !== undefined) view.kvCacheUsage = engine.value.kvCacheUsage;
      }
      const gpus = record.pod ? fresh(store.podGpus(record.namespace, record.pod), now, maxAgeMs) : undefined;
      if (gpus) {
        track(gpus.at);
        if (gpus.value.powerWatts !== undefined) view.powerWatts = gpus.value.powerWatts;
      }
      views.push(view);
    }
    const healthy = views.filter((v) => v.healthy);
    anyHealthy ||= healthy.length > 0;
    // Built mutable, handed out as the read-only ModeState; int variables are bigint (CEL int).
    const state: Mutable = { readyPods: BigInt(healthy.length) };
    const sum = (f: (v: PodView) => number | undefined): number | undefined => {
      let total = 0;
      for (const v of healthy) {
        const x = f(v);
        if (x === undefined) return undefined;
        total += x;
      }
      return healthy.length > 0 ? total : undefined;
    };
    const gpuOf = (v: PodView) =>
      v.record.pod ? fresh(store.podGpus(v.record.namespace, v.record.pod), now, maxAgeMs)?.value : undefined;
    const queue = sum((v) => v.queueDepth);
    if (queue !== undefined) state.queueDepth = BigInt(queue);
    const running = sum((v) => v.running);
    if (running !== undefined) state.running = BigInt(running);
    const kv = sum((v) => v.kvCacheUsage);
    if (kv !== undefined) state.kvCacheUsage = Math.max(...healthy.map((v) => v.kvCacheUsage as number));
    const power = sum((v) => v.powerWatts);
    if (power !== undefined) state.powerWatts = power;
    const util = sum((v) => gpuOf(v)?.utilization);
    if (util !== undefined) state.gpuUtilization = util / healthy.length;
    const energy = store.energyPerToken(mode, now);
    if (energy !== undefined) state.energyPerToken = energy;
    if (oldest >= 0) state.telemetryAgeSeconds = oldest / 1000;
    states.set(mode, state);
    pods.set(mode, views);
  }
  return { states, pods, anyHealthy };
}

type Mutable = { -readonly [K in keyof ModeState]: ModeState[K] };
