import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_REQUEST_BYTES,
  ROUTER_DEFAULTS,
} from '../../api/v1alpha1/router-config.js';
import type { RouterConfig, RouterLimits } from '../../api/v1alpha1/router-config.js';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

function fail(path: string, message: string): never {
  throw new Error(`router config: ${path}: ${message}`);
}

function int(v: unknown, path: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    fail(path, `must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, 'must be a non-empty string');
  return v;
}

/** An optional mapping of positive integers (milliseconds, counts); unknown keys are refused, naming them. */
function section<K extends string>(
  v: unknown,
  path: string,
  keys: readonly K[],
): Partial<Record<K, number>> | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be a mapping');
  const out: Partial<Record<K, number>> = {};
  for (const [key, value] of Object.entries(v)) {
    if (!(keys as readonly string[]).includes(key))
      fail(`${path}.${key}`, `is not a known setting (known: ${keys.join(', ')})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      fail(`${path}.${key}`, `must be a positive integer, got ${JSON.stringify(value)}`);
    out[key as K] = value;
  }
  return out;
}

/**
 * Checks a parsed router.yaml (what the operator renders, or a hand-written one) and fills defaults. Exactly one of
 * policyRef (cluster) and policyFile (standalone) must be set; every error names its field.
 */
export function parseRouterConfig(raw: unknown): RouterConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('(root)', 'must be a mapping');
  const c = raw as Record<string, unknown>;
  const listen = (c['listen'] ?? {}) as Record<string, unknown>;
  const telemetry = (c['telemetry'] ?? {}) as Record<string, unknown>;
  const config: RouterConfig = {
    listen: {
      host: listen['host'] === undefined ? ROUTER_DEFAULTS.listen.host : str(listen['host'], 'listen.host'),
      grpcPort: int(listen['grpcPort'], 'listen.grpcPort', ROUTER_DEFAULTS.listen.grpcPort),
      httpPort: int(listen['httpPort'], 'listen.httpPort', ROUTER_DEFAULTS.listen.httpPort),
      metricsPort: int(listen['metricsPort'], 'listen.metricsPort', ROUTER_DEFAULTS.listen.metricsPort),
      ...(listen['extProcPort'] === undefined
        ? {}
        : { extProcPort: int(listen['extProcPort'], 'listen.extProcPort', ROUTER_DEFAULTS.extProcPort) }),
    },
    telemetry: {
      dcgmUrls: ((telemetry['dcgmUrls'] ?? []) as unknown[]).map((u, i) => str(u, `telemetry.dcgmUrls[${i}]`)),
      intervalMs: int(telemetry['intervalMs'], 'telemetry.intervalMs', ROUTER_DEFAULTS.telemetryIntervalMs),
    },
    logLevel: (c['logLevel'] ?? 'info') as RouterConfig['logLevel'],
    maxRequestBytes: int(c['maxRequestBytes'], 'maxRequestBytes', DEFAULT_MAX_REQUEST_BYTES),
    drainTimeoutMs: int(c['drainTimeoutMs'], 'drainTimeoutMs', DEFAULT_DRAIN_TIMEOUT_MS),
    shutdownDelayMs: int(c['shutdownDelayMs'], 'shutdownDelayMs', 0),
    ...(c['drainQuietMs'] === undefined
      ? {}
      : { drainQuietMs: int(c['drainQuietMs'], 'drainQuietMs', ROUTER_DEFAULTS.drainQuietMs) }),
  };
  if (!LEVELS.includes(config.logLevel)) fail('logLevel', `must be one of ${LEVELS.join(', ')}`);
  if (config.telemetry.intervalMs < 100) fail('telemetry.intervalMs', 'must be at least 100');
  const ref = c['policyRef'] as Record<string, unknown> | undefined;
  if (ref !== undefined)
    config.policyRef = {
      namespace: str(ref['namespace'], 'policyRef.namespace'),
      name: str(ref['name'], 'policyRef.name'),
    };
  if (c['policyFile'] !== undefined) config.policyFile = str(c['policyFile'], 'policyFile');
  if ((config.policyRef === undefined) === (config.policyFile === undefined))
    fail('policyRef/policyFile', 'set exactly one');
  if (c['endpoints'] !== undefined) {
    const eps = c['endpoints'] as Record<string, unknown>;
    config.endpoints = Object.fromEntries(
      Object.entries(eps).map(([mode, urls]) => {
        if (!Array.isArray(urls)) fail(`endpoints.${mode}`, 'must be a list of URLs');
        return [mode, urls.map((u, i) => str(u, `endpoints.${mode}[${i}]`))];
      }),
    );
  }
  const limits = section(c['limits'], 'limits', Object.keys(ROUTER_DEFAULTS.limits) as (keyof RouterLimits)[]);
  if (limits) config.limits = limits;
  const health = section(c['health'], 'health', ['intervalMs', 'timeoutMs', 'consecutiveFailures', 'ejectMs']);
  if (health) config.health = health;
  if (c['upstreamApiKeyFile'] !== undefined)
    config.upstreamApiKeyFile = str(c['upstreamApiKeyFile'], 'upstreamApiKeyFile');
  if (c['clientApiKeysDir'] !== undefined) config.clientApiKeysDir = str(c['clientApiKeysDir'], 'clientApiKeysDir');
  if (c['exposeInternals'] !== undefined) {
    if (typeof c['exposeInternals'] !== 'boolean') fail('exposeInternals', 'must be true or false');
    config.exposeInternals = c['exposeInternals'];
  }
  const tls = c['tls'] as Record<string, unknown> | undefined;
  if (tls !== undefined) {
    config.tls = {
      certFile: str(tls['certFile'], 'tls.certFile'),
      keyFile: str(tls['keyFile'], 'tls.keyFile'),
      requireClientCertificate: tls['requireClientCertificate'] === true,
    };
    if (tls['caFile'] !== undefined) config.tls.caFile = str(tls['caFile'], 'tls.caFile');
    if (config.tls.requireClientCertificate && !config.tls.caFile)
      fail('tls.caFile', 'is required when requireClientCertificate is true');
  }
  return config;
}
