import type { Endpoint } from '../router/discovery/endpoint.js';
import type { KubeObject } from './types.js';
import { LABEL_MODE } from '../api/v1alpha1/labels.js';

// The operator's labels on mode Services are copied onto their slices by the EndpointSlice controller, which also
// sets this one; it identifies the mode of a slice whose labels were not copied.
const LABEL_SERVICE = 'kubernetes.io/service-name';

interface EndpointSlice extends KubeObject {
  addressType?: string;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }>;
}

/** The mode a slice serves: its mode label, else its Service name minus the `<policy>-` prefix. */
function modeOf(slice: EndpointSlice, policy: string): string | undefined {
  const labels = slice.metadata.labels ?? {};
  if (labels[LABEL_MODE]) return labels[LABEL_MODE];
  const service = labels[LABEL_SERVICE];
  return service?.startsWith(`${policy}-`) ? service.slice(policy.length + 1) : undefined;
}

/**
 * Pods per mode from the EndpointSlices of a policy's mode Services. Pure. Every mode of `modes` is present (empty
 * when it has no slice), so a mode whose Service lost its pods is emptied rather than left stale.
 */
export function endpointsFromSlices(slices: readonly KubeObject[], policy: string, modes: readonly string[]): Map<string, Endpoint[]> {
  const byMode = new Map<string, Endpoint[]>(modes.map((m) => [m, []]));
  for (const obj of slices) {
    const slice = obj as EndpointSlice;
    const mode = modeOf(slice, policy);
    const list = mode === undefined ? undefined : byMode.get(mode);
    if (!list || slice.addressType === 'FQDN') continue;
    const port = slice.ports?.find((p) => p.protocol === undefined || p.protocol === 'TCP')?.port;
    if (port === undefined) continue;
    for (const e of slice.endpoints ?? []) {
      const address = e.addresses[0];
      if (!address) continue;
      const host = slice.addressType === 'IPv6' ? `[${address}]` : address;
      const endpoint: Endpoint = {
        url: `http://${host}:${port}`,
        mode: mode as string,
        // A terminating pod stays ready while it drains; the router stops sending new work to it at once.
        ready: e.conditions?.ready !== false && e.conditions?.terminating !== true,
      };
      if (e.targetRef?.kind === 'Pod' && e.targetRef.name) {
        endpoint.pod = e.targetRef.name;
        endpoint.namespace = e.targetRef.namespace ?? slice.metadata.namespace;
      }
      if (!list.some((x) => x.url === endpoint.url)) list.push(endpoint);
    }
  }
  return byMode;
}
