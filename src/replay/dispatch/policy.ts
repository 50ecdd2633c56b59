import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import { PrefixTracker } from '../../router/classify/prefix-tracker.js';
import { compilePolicy, podsModeOf } from '../../router/decide/compile-policy.js';
import { decide } from '../../router/decide/decide.js';
import type { Endpoint } from '../../router/pods/endpoint.js';
import { PodRegistry } from '../../router/pods/pod-registry.js';
import { buildModeView } from '../../router/telemetry/mode-view.js';
import { TelemetryStore } from '../../router/telemetry/telemetry-store.js';
import type { Dispatcher } from '../fleet/dispatcher.js';
import type { FleetGpu } from '../fleet/pool.js';
import { requestFeaturesOf } from '../fleet/request-features.js';
import { leastLoaded } from './least-loaded.js';
import { createTelemetryFeed, podIdentity } from './telemetry-feed.js';

export interface PolicyDispatcherOptions {
  policy: InferenceModePolicy;
  gpus: readonly FleetGpu[];
  /** Window of the router's energy-per-token reading (its default is 30 s). */
  energyWindowMs?: number;
}

/**
 * Routes with the router's own code, unchanged: compilePolicy once, then per request classify() for the features,
 * buildModeView() over a TelemetryStore fed on every tick as the scraper would feed it, and decide() with the
 * router's guards, fallback chain and least-loaded pod choice (PodRegistry in-flight counts included).
 */
export function policyDispatcher(options: PolicyDispatcherOptions): Dispatcher {
  const compiled = compilePolicy(options.policy);
  const registry = new PodRegistry();
  const byUrl = new Map<string, FleetGpu>();
  const endpoints = new Map<string, Endpoint[]>();
  for (const g of options.gpus) {
    const id = podIdentity(g);
    byUrl.set(id.url, g);
    endpoints.set(g.mode, [...(endpoints.get(g.mode) ?? []), { ...id, mode: g.mode, ready: true }]);
  }
  const unknown = [...endpoints.keys()].filter((m) => !compiled.modeNames.includes(m));
  if (unknown.length > 0) throw new Error(`the fleet runs modes the policy does not have: ${unknown.join(', ')}`);
  registry.update(endpoints);
  const modeOfPod = new Map(options.gpus.map((g) => [podIdentity(g).pod, g.mode]));
  const store = new TelemetryStore({
    modeOfPod: (_ns, pod) => modeOfPod.get(pod),
    onEnergy: () => undefined,
    energyWindowMs: options.energyWindowMs ?? 30_000,
  });
  const feed = createTelemetryFeed(options.gpus, store);
  const prefixes = new PrefixTracker();
  const maxAgeMs = compiled.resolved.routing.guards.telemetryMaxAgeSeconds * 1000;
  const defaultGpus = options.gpus.filter((g) => g.mode === compiled.resolved.routing.defaultMode);

  return {
    observe: feed,
    dispatch(request, nowSeconds) {
      const now = nowSeconds * 1000;
      const features = requestFeaturesOf(request, now, {
        model: compiled.resolved.model,
        prefixes,
        maxModelLen: compiled.maxModelLen,
      });
      const view = buildModeView({
        modes: compiled.modeNames,
        podsOf: (m) => registry.pods(podsModeOf(compiled, m)),
        store,
        now,
        maxAgeMs,
      });
      const decision = decide({
        policy: compiled,
        bindings: { request: features, modes: view.states },
        pods: view.pods,
      });
      const record = decision.pod?.record;
      if (!record)
        return {
          gpu: leastLoaded(defaultGpus.length > 0 ? defaultGpus : options.gpus),
          rule: decision.rule,
          unroutable: true,
        };
      record.inFlight += 1;
      const routed = {
        gpu: byUrl.get(record.url) as FleetGpu,
        rule: decision.rule,
        onDone: () => void (record.inFlight -= 1),
      };
      return decision.adapter ? { ...routed, adapter: decision.adapter.upstreamModel } : routed;
    },
  };
}
