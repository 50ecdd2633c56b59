import type { PodRecord } from '../pods/endpoint.js';

/** A pod with the fresh telemetry the guards and the load balancer read; absent values are unknown. */
export interface PodView {
  record: PodRecord;
  /** Ready in discovery, passing its health check and not ejected. */
  healthy: boolean;
  queueDepth?: number;
  running?: number;
  kvCacheUsage?: number;
  powerWatts?: number;
}
