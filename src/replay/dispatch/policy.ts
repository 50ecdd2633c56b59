import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { Dispatcher } from '../fleet/dispatcher.js';
import type { FleetGpu } from '../fleet/pool.js';
import { leastLoaded } from './least-loaded.js';
import { ReplayRouter } from './replay-router.js';
import { createTelemetryFeed } from './telemetry-feed.js';

export interface PolicyDispatcherOptions {
  policy: InferenceModePolicy;
  gpus: readonly FleetGpu[];
  /** Window of the router's energy-per-token reading (its default is 30 s). */
  energyWindowMs?: number;
}

/**
 * Routes with the router's own code, unchanged: RouterCore.route per request (classify, the mode view over a
 * TelemetryStore fed on every tick as the scraper would feed it, and decide() with the router's guards, fallback
 * chain and least-loaded pod choice, PodRegistry in-flight counts included).
 */
export function policyDispatcher(options: PolicyDispatcherOptions): Dispatcher {
  const router = new ReplayRouter<FleetGpu>(options.policy, options.energyWindowMs);
  router.setPods(options.gpus);
  const feed = createTelemetryFeed(options.gpus, router.store);
  const defaultGpus = options.gpus.filter((g) => g.mode === router.policy.resolved.routing.defaultMode);

  return {
    observe: feed,
    dispatch(request, nowSeconds) {
      const { decision, pod } = router.route(request, nowSeconds * 1000);
      const record = decision.pod?.record;
      if (!record || !pod)
        return {
          gpu: leastLoaded(defaultGpus.length > 0 ? defaultGpus : options.gpus),
          rule: decision.rule,
          unroutable: true,
        };
      record.inFlight += 1;
      const routed = { gpu: pod, rule: decision.rule, onDone: () => void (record.inFlight -= 1) };
      return decision.adapter ? { ...routed, adapter: decision.adapter.upstreamModel } : routed;
    },
  };
}
