import type { Logger } from '../../observability/logger.js';
import type { RouterMetrics } from '../accounting/router-metrics.js';
import type { UpstreamOptions } from '../forward/open-upstream.js';
import type { RouterCore } from './router-core.js';

/** What a front (HTTP or gRPC) needs to serve requests; built once by createRouter. */
export interface FrontContext {
  core: RouterCore;
  metrics: RouterMetrics;
  upstream: UpstreamOptions;
  logger: Logger;
  now: () => number;
  maxRequestBytes: number;
  /** Counts requests in flight so a drain can wait for them. */
  inFlight: { add: () => void; done: () => void };
  /** True while at least one mode has a healthy pod. */
  ready: () => boolean;
}
