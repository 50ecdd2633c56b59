import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { Endpoint } from './endpoint.js';
import { parseEndpoint } from './endpoint.js';
import type { DiscoveryListener, DiscoverySource } from './discovery-source.js';

/** A fixed policy and fixed endpoints (`mode → URL[#namespace/pod]`): a local process or a plain sidecar. */
export function staticSource(
  policy: InferenceModePolicy,
  endpoints: Record<string, readonly string[]>,
): DiscoverySource {
  const byMode = new Map<string, Endpoint[]>();
  for (const [mode, urls] of Object.entries(endpoints))
    byMode.set(
      mode,
      urls.map((u) => parseEndpoint(mode, u)),
    );
  return {
    async start(listener: DiscoveryListener) {
      listener.policy(policy);
      listener.endpoints(byMode);
    },
    async stop() {},
  };
}
