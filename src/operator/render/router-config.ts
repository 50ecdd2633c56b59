import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import {
  CLUSTER_SHUTDOWN_DELAY_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_REQUEST_BYTES,
  ROUTER_CONFIG_FILE,
  type RouterConfig,
} from '../../api/v1alpha1/router-config.js';
import { COMPONENT_ROUTER } from '../../api/v1alpha1/labels.js';
import { objectMeta, routerObjectName } from './object-meta.js';
import type { KubeObject } from './object.js';

export const ROUTER_TLS_MOUNT = '/etc/modeswitch/tls';
/** Where the router pod mounts the engines' API key (engine.apiKeySecret), as the one file `api-key`. */
export const ROUTER_API_KEY_MOUNT = '/etc/modeswitch/upstream';
export const ROUTER_API_KEY_FILE = 'api-key';
/** Where the router pod mounts its clients' API keys (router.clientAuth.apiKeysSecret), one file per client. */
export const ROUTER_CLIENT_KEYS_MOUNT = '/etc/modeswitch/client-keys';

export function dcgmExporterUrl(policy: ResolvedPolicy): string {
  const d = policy.telemetry.dcgmExporter;
  return d.url ?? `http://${d.service}.${d.namespace}.svc:${d.port}${d.path}`;
}

/** What the router of this policy runs with. Pure. */
export function routerConfig(policy: ResolvedPolicy): RouterConfig {
  const tls = policy.router.tls;
  return {
    policyRef: { namespace: policy.namespace, name: policy.name },
    listen: {
      host: '0.0.0.0',
      grpcPort: policy.router.grpcPort,
      httpPort: policy.router.httpPort,
      metricsPort: policy.router.metricsPort,
      ...(policy.inferencePool ? { extProcPort: policy.inferencePool.extProcPort } : {}),
    },
    telemetry: { dcgmUrls: [dcgmExporterUrl(policy)], intervalMs: policy.telemetry.intervalMs },
    ...(policy.engine.apiKeySecret ? { upstreamApiKeyFile: `${ROUTER_API_KEY_MOUNT}/${ROUTER_API_KEY_FILE}` } : {}),
    ...(policy.router.clientAuth ? { clientApiKeysDir: ROUTER_CLIENT_KEYS_MOUNT } : {}),
    ...(tls
      ? {
          tls: {
            certFile: `${ROUTER_TLS_MOUNT}/tls.crt`,
            keyFile: `${ROUTER_TLS_MOUNT}/tls.key`,
            ...(tls.requireClientCertificate ? { caFile: `${ROUTER_TLS_MOUNT}/ca.crt` } : {}),
            requireClientCertificate: tls.requireClientCertificate ?? false,
          },
        }
      : {}),
    logLevel: policy.router.logLevel,
    maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
    drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
    shutdownDelayMs: CLUSTER_SHUTDOWN_DELAY_MS,
    ...(policy.router.requestLimits ? { limits: policy.router.requestLimits } : {}),
  };
}

export function renderRouterConfigMap(policy: ResolvedPolicy): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(policy, routerObjectName(policy.name), COMPONENT_ROUTER),
    data: { [ROUTER_CONFIG_FILE]: stringify(routerConfig(policy)) },
  };
}

/** Changes when the config does, so the router Deployment rolls to pick it up. */
export function configHash(configMap: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(configMap['data'])).digest('hex').slice(0, 16);
}
