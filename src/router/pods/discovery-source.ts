import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { Endpoint } from './endpoint.js';

/** What discovery reports: the policy (when it changes) and the pods of each mode (when they change). */
export interface DiscoveryListener {
  policy: (policy: InferenceModePolicy) => void;
  /** Replaces the pods of each mode named. */
  endpoints: (byMode: ReadonlyMap<string, readonly Endpoint[]>) => void;
}

/** Where the policy and pods come from: the Kubernetes API in a cluster, files and flags outside. */
export interface DiscoverySource {
  start(listener: DiscoveryListener): Promise<void>;
  stop(): Promise<void>;
}
