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
  /** extProcPort: the Endpoint Picker (Envoy ext_proc) for a gateway's InferencePool; not served when absent. */
  listen: { host: string; grpcPort: number; httpPort: number; metricsPort: number; extProcPort?: number };
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
   * During a drain, an idle kept-alive connection is closed once it has carried nothing for this long (default
   * ROUTER_DEFAULTS.drainQuietMs); busy ones close with their next answer's `Connection: close`.
   */
  drainQuietMs?: number;
  /**
   * After SIGTERM, how long to keep accepting new requests while reporting unready: Kubernetes removes the pod from
   * its Service only after the signal, and connections refused meanwhile would fail clients during every rollout.
   */
  shutdownDelayMs?: number;
  /** Request-input limits and the memory budget for request bodies (408/413/429/503 past them); defaults in ROUTER_DEFAULTS.limits. */
  limits?: Partial<RouterLimits>;
  /** Active health checks of every pod's /health and passive outlier ejection; defaults in ROUTER_DEFAULTS.health. */
  health?: { intervalMs?: number; timeoutMs?: number; consecutiveFailures?: number; ejectMs?: number };
  /**
   * File holding the API key sent to the engines as `Authorization: Bearer …` (engines started with `--api-key`);
   * mount it from a Secret. Clients' own Authorization headers are never forwarded.
   */
  upstreamApiKeyFile?: string;
  /**
   * Directory of clients' API keys, one file per client (a Secret mounted as a volume), read again every few
   * seconds: every request must then carry `Authorization: Bearer <key>` (docs/router.md, trust model).
   */
  clientApiKeysDir?: string;
  /** Error bodies and Classify answers may name pods and addresses: a debugging aid, never for production. */
  exposeInternals?: boolean;
}

export const ROUTER_CONFIG_FILE = 'router.yaml';
export const ROUTER_CONFIG_MOUNT = '/etc/modeswitch';
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_DRAIN_TIMEOUT_MS = 20_000;

/** The router's request-input limits: time for a request to arrive, and how much of it may be buffered at once. */
export interface RouterLimits {
  /** Time for a request body once its headers are in (HTTP), or for a whole request (ext_proc stream); 408 past it. */
  bodyTimeoutMs: number;
  /** Time for an HTTP request's headers. */
  headersTimeoutMs: number;
  /** Request bodies being sent at once, all clients together (503 past it). */
  maxUnfinishedBodies: number;
  /** Request bodies one client (API key, else address) may be sending at once (429 past it). */
  maxUnfinishedBodiesPerClient: number;
  /** Request bytes held in the router at once, all clients together (503 past it), from arrival to the answer's end. */
  maxBufferedBytes: number;
  /** Request bytes one client may have held at once (429 past it). */
  maxBufferedBytesPerClient: number;
  /** ext_proc streams open at once (more are closed with RESOURCE_EXHAUSTED). */
  maxExtProcStreams: number;
}

const MiB = 1024 * 1024;

/** Every default of the router's runtime settings, in one place (config file, command line and operator read them). */
export const ROUTER_DEFAULTS = {
  listen: { host: '0.0.0.0', grpcPort: 9000, httpPort: 8080, metricsPort: 9090 },
  /** The Endpoint Picker port when one is served (9002, the port of the upstream reference picker). */
  extProcPort: 9002,
  /** The command line listens on loopback only unless told otherwise: a laptop router is not a network service. */
  standaloneHost: '127.0.0.1',
  telemetryIntervalMs: 1000,
  /** Long enough that a client still using a kept-alive connection sends on it again first (and hears `close`). */
  drainQuietMs: 2_000,
  /**
   * The byte budget keeps buffered bodies (and their parsed copies, about as large again) well inside the 1 GiB the
   * router pod is given, over its ~200 MB at rest; one client gets a quarter of it.
   */
  limits: {
    bodyTimeoutMs: 30_000,
    headersTimeoutMs: 20_000,
    maxUnfinishedBodies: 256,
    maxUnfinishedBodiesPerClient: 64,
    maxBufferedBytes: 256 * MiB,
    maxBufferedBytesPerClient: 64 * MiB,
    maxExtProcStreams: 1024,
  } satisfies RouterLimits,
  health: { intervalMs: 2_000, timeoutMs: 1_000, consecutiveFailures: 3, ejectMs: 5_000 },
  /** The kubelet updates a mounted Secret within about a minute; reading a few small files this often costs nothing. */
  clientKeysReloadMs: 5_000,
  upstream: {
    /** A streamed answer's first byte: queue wait plus prefill of a long prompt stays well under it. */
    firstByteTimeoutMs: 60_000,
    bodyTimeoutMs: 60_000,
    generationTimeoutMs: 600_000,
    maxAttempts: 4,
  },
} as const;
/** In a cluster; a standalone router stops at once. The router pod's grace period is this plus the drain timeout plus 5 s. */
export const CLUSTER_SHUTDOWN_DELAY_MS = 5_000;
