import { runsPods } from '../../api/v1alpha1/adapters.js';
import { LABEL_POLICY, labelSelectorOf } from '../../api/v1alpha1/labels.js';
import { API_VERSION, KIND } from '../../api/v1alpha1/types.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import { validatePolicy } from '../../api/v1alpha1/validation.js';
import type { Clock } from '../../kube/clock.js';
import { Informer } from '../../kube/informer.js';
import type { WatchSource } from '../../kube/watch-source.js';
import type { Logger } from '../../observability/logger.js';
import type { DiscoveryListener, DiscoverySource } from './discovery-source.js';
import { endpointsFromSlices } from './endpoint-slices.js';

export interface RouterKubeDiscoveryOptions {
  source: WatchSource;
  policyRef: { namespace: string; name: string };
  clock: Clock;
  logger: Logger;
}

/**
 * The DiscoverySource of a router in a cluster, over src/kube's generic informer (src/kube knows nothing of the
 * router). Watches the router's policy and the EndpointSlices of its mode Services. Each change is handed to
 * the router, which swaps the policy between requests, so requests in flight keep the decision they were made with.
 */
export function routerKubeDiscovery(o: RouterKubeDiscoveryOptions): DiscoverySource {
  const { namespace, name } = o.policyRef;
  // Only its own policy: the router's Role names it (resourceNames), which allows list and watch with this selector only.
  const policies = new Informer({
    source: o.source,
    query: { apiVersion: API_VERSION, kind: KIND, namespace, fieldSelector: `metadata.name=${name}` },
    clock: o.clock,
    logger: o.logger,
  });
  const slices = new Informer({
    source: o.source,
    query: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      namespace,
      labelSelector: labelSelectorOf({ [LABEL_POLICY]: name }),
    },
    clock: o.clock,
    logger: o.logger,
  });
  let modes: string[] = [];
  let generation: number | undefined;
  return {
    async start(listener: DiscoveryListener) {
      const pushEndpoints = () => listener.endpoints(endpointsFromSlices(slices.list(), modes));
      const onPolicy = (obj: { metadata: { name: string; generation?: number } }) => {
        if (obj.metadata.name !== name || obj.metadata.generation === generation) return;
        const { policy, problems } = validatePolicy(obj);
        if (!policy) {
          o.logger.error('policy is invalid; keeping the previous one', { policy: `${namespace}/${name}`, problems });
          return;
        }
        generation = obj.metadata.generation;
        // Adapter modes on another mode's pods have no Service: the router reaches them through their base's pods.
        modes = policy.spec.modes.filter(runsPods).map((m) => m.name);
        listener.policy(policy as InferenceModePolicy);
        pushEndpoints();
      };
      policies.on({ add: onPolicy, update: (_old, obj) => onPolicy(obj) });
      slices.on({ add: pushEndpoints, update: pushEndpoints, delete: pushEndpoints });
      policies.start();
      slices.start();
    },
    async stop() {
      await Promise.all([policies.stop(), slices.stop()]);
    },
  };
}
