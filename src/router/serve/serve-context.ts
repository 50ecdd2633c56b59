import type { Dispatcher } from 'undici';
import type { Logger } from '../../observability/logger.js';
import type { ClientKeys } from '../auth/client-keys.js';
import type { RouterMetrics } from '../accounting/router-metrics.js';
import type { RouterCore } from '../core/router-core.js';
import type { AttemptTimeouts } from '../forward/send-attempt.js';
import type { PodHealth } from '../pods/pod-health.js';

export interface UpstreamSettings {
  dispatcher: Dispatcher;
  /** Defaults of the per-attempt timeouts; a policy may set its own first-byte timeout. */
  timeouts: AttemptTimeouts;
  /** Bound on attempts per request (pods and modes together). */
  maxAttempts: number;
  /** Sent to every engine as `Authorization: Bearer …` (engines started with `--api-key`); from a Secret. */
  apiKey?: string;
}

/** What the request path needs; built once by createRouter and shared by every front end. */
export interface ServeContext {
  core: RouterCore;
  metrics: RouterMetrics;
  health: PodHealth;
  upstream: UpstreamSettings;
  logger: Logger;
  now: () => number;
  /** Counts requests in flight so a drain can wait for them. */
  inFlight: { add: () => void; done: () => void };
  /** Client-facing messages may name pods and addresses (a debugging aid; off in production). */
  exposeInternals: boolean;
  /** Clients' API keys: every request must carry one (src/router/auth); undefined: no client authentication. */
  clientKeys?: ClientKeys;
}
