/**
 * The router's configuration file: what the operator renders into the router's ConfigMap, and what a standalone
 * router (local process, demo, plain sidecar) is started with. Shared by both sides so they cannot drift.
 */
export interface RouterConfig {
  /** In a cluster: the policy to watch (the router also watches the EndpointSlices of its mode Services). */
  policyRef?: { namespace: string; name: string };
  /** Standalone: a policy file instead of a watched policy. */
  policyFile?: string;
  /** Standalone: static pod endpoints per mode, e.g. {fp8: ['http://127.0.0.1:8001']}. */
  endpoints?: Record<string, string[]>;
  listen: { host: string; grpcPort: number; httpPort: number; metricsPort: number };
  telemetry: {
    /** dcgm-exporter endpoints to scrape (Service URL in a cluster, loopback in the demo). */
    dcgmUrls: string[];
    intervalMs: number;
  };
  tls?: { certFile: string; keyFile: string; caFile?: string; requireClientCertificate: boolean };
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Largest request body accepted, in bytes; larger ones get 413 / RESOURCE_EXHAUSTED. */
  maxRequestBytes: number;
  /** Time allowed to drain in-flight requests after SIGTERM. */
  drainTimeoutMs: number;
  /**
   * After SIGTERM, how long to keep accepting new requests while reporting unready: Kubernetes removes the pod from
   * its Service only after the signal, and connections refused meanwhile would fail clients during every rollout.
   */
  shutdownDelayMs?: number;
}

export const ROUTER_CONFIG_FILE = 'router.yaml';
export const ROUTER_CONFIG_MOUNT = '/etc/modeswitch';
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_DRAIN_TIMEOUT_MS = 20_000;
/** In a cluster; a standalone router stops at once. Delay plus drain stay under the 30 s grace period. */
export const CLUSTER_SHUTDOWN_DELAY_MS = 5_000;
