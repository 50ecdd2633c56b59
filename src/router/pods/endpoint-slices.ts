import { LABEL_MODE } from '../../api/v1alpha1/labels.js';
import type { KubeObject } from '../../kube/types.js';
import type { Endpoint } from './endpoint.js';

interface EndpointSlice extends KubeObject {
  addressType?: string;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }>;
}

/** The mode a slice serves: the operator's mode label on its Service, which the EndpointSlice controller copies. */
function modeOf(slice: EndpointSlice): string | undefined {
  return slice.metadata.labels?.[LABEL_MODE];
}

/**
 * Pods per mode from the EndpointSlices of a policy's mode Services. Pure. Every mode of `modes` is present (empty
 * when it has no slice), so a mode whose Service lost its pods is emptied rather than left stale.
 */
export function endpointsFromSlices(slices: readonly KubeObject[], modes: readonly string[]): Map<string, Endpoint[]> {
  const byMode = new Map<string, Endpoint[]>(modes.map((m) => [m, []]));
  for (const obj of slices) {
    const slice = obj as EndpointSlice;
    const mode = modeOf(slice);
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
