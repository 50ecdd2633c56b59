import { DEFAULT_API_KEY_SECRET_KEY, type ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import {
  CLUSTER_SHUTDOWN_DELAY_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  ROUTER_CONFIG_FILE,
  ROUTER_CONFIG_MOUNT,
} from '../../api/v1alpha1/router-config.js';
import { COMPONENT_ROUTER, objectLabels, selectorLabels } from '../../api/v1alpha1/labels.js';
import { objectMeta, routerObjectName } from './object-meta.js';
import type { KubeObject } from './object.js';
import {
  configHash,
  ROUTER_API_KEY_FILE,
  ROUTER_API_KEY_MOUNT,
  ROUTER_CLIENT_KEYS_MOUNT,
  ROUTER_TLS_MOUNT,
} from './router-config.js';
import { containerSecurityContext, podSecurityContext } from './security.js';

/**
 * The kubelet's SIGKILL must come after the router's own shutdown: the unready delay, then the drain window, then a
 * few seconds to close listeners and flush the log.
 */
const ROUTER_GRACE_PERIOD_SECONDS = Math.ceil((CLUSTER_SHUTDOWN_DELAY_MS + DEFAULT_DRAIN_TIMEOUT_MS) / 1000) + 5;

function meta(policy: ResolvedPolicy): KubeObject['metadata'] {
  return objectMeta(policy, routerObjectName(policy.name), COMPONENT_ROUTER);
}

/** The router Deployment; `configMap` is the rendered router ConfigMap, hashed into the pod template. Pure. */
export function renderRouterDeployment(policy: ResolvedPolicy, configMap: KubeObject): KubeObject {
  const r = policy.router;
  const volumes: Record<string, unknown>[] = [{ name: 'config', configMap: { name: routerObjectName(policy.name) } }];
  const mounts: Record<string, unknown>[] = [{ name: 'config', mountPath: ROUTER_CONFIG_MOUNT, readOnly: true }];
  if (r.tls) {
    volumes.push({ name: 'tls', secret: { secretName: r.tls.secretName } });
    mounts.push({ name: 'tls', mountPath: ROUTER_TLS_MOUNT, readOnly: true });
  }
  const apiKey = policy.engine.apiKeySecret;
  if (apiKey) {
    volumes.push({
      name: 'upstream-api-key',
      secret: {
        secretName: apiKey.name,
        items: [{ key: apiKey.key ?? DEFAULT_API_KEY_SECRET_KEY, path: ROUTER_API_KEY_FILE }],
      },
    });
    mounts.push({ name: 'upstream-api-key', mountPath: ROUTER_API_KEY_MOUNT, readOnly: true });
  }
  if (r.clientAuth) {
    // The whole Secret (no items, no subPath), so the kubelet updates the files when keys are added or rotated.
    volumes.push({ name: 'client-api-keys', secret: { secretName: r.clientAuth.apiKeysSecret } });
    mounts.push({ name: 'client-api-keys', mountPath: ROUTER_CLIENT_KEYS_MOUNT, readOnly: true });
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(policy),
    spec: {
      replicas: r.replicas,
      selector: { matchLabels: selectorLabels(policy.name, COMPONENT_ROUTER) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: objectLabels(policy.name, COMPONENT_ROUTER),
          annotations: {
            'modeswitch.io/config-hash': configHash(configMap),
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(r.metricsPort),
          },
        },
        spec: {
          serviceAccountName: routerObjectName(policy.name),
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: ROUTER_GRACE_PERIOD_SECONDS,
          containers: [
            {
              name: 'router',
              image: r.image,
              args: ['router', '--config', `${ROUTER_CONFIG_MOUNT}/${ROUTER_CONFIG_FILE}`],
              ports: [
                { name: 'grpc', containerPort: r.grpcPort, protocol: 'TCP' },
                { name: 'http', containerPort: r.httpPort, protocol: 'TCP' },
                { name: 'metrics', containerPort: r.metricsPort, protocol: 'TCP' },
                ...(policy.inferencePool
                  ? [{ name: 'ext-proc', containerPort: policy.inferencePool.extProcPort, protocol: 'TCP' }]
                  : []),
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              resources: r.resources ?? { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: containerSecurityContext(),
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5, failureThreshold: 2 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

export function renderRouterService(policy: ResolvedPolicy): KubeObject {
  const r = policy.router;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(policy),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(policy.name, COMPONENT_ROUTER),
      ports: [
        { name: 'grpc', port: r.grpcPort, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
        { name: 'http', port: r.httpPort, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: r.metricsPort, targetPort: 'metrics', protocol: 'TCP' },
        // The gateway's Endpoint Picker stream (Envoy ext_proc over HTTP/2), as the InferencePool's endpointPickerRef.
        ...(policy.inferencePool
          ? [
              {
                name: 'ext-proc',
                port: policy.inferencePool.extProcPort,
                targetPort: 'ext-proc',
                protocol: 'TCP',
                appProtocol: 'http2',
              },
            ]
          : []),
      ],
    },
  };
}

export function renderRouterServiceAccount(policy: ResolvedPolicy): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(policy), automountServiceAccountToken: true };
}

/** What the router reads, and nothing more: its own policy and the EndpointSlices of its mode Services. */
export function renderRouterRole(policy: ResolvedPolicy): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(policy),
    rules: [
      {
        apiGroups: ['modeswitch.io'],
        resources: ['inferencemodepolicies'],
        resourceNames: [policy.name],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ],
  };
}

export function renderRouterRoleBinding(policy: ResolvedPolicy): KubeObject {
  const name = routerObjectName(policy.name);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(policy),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: policy.namespace }],
  };
}
