import { ENGINE_PORT, type ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { COMPONENT_ENGINE, COMPONENT_ROUTER, selectorLabels } from '../../api/v1alpha1/labels.js';
import { objectMeta, routerObjectName } from './object-meta.js';
import type { KubeObject } from './object.js';

const API_VERSION = 'networking.k8s.io/v1';
/** Set by the API server on every namespace (Kubernetes 1.22+): selects a namespace by name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/**
 * The chart's operator pods (app.kubernetes.io/name, component): the capacity controller reads routers' demand from
 * their metrics port. Any namespace, since the operator's is not the policy's to know.
 */
const OPERATOR_POD_LABELS = { 'app.kubernetes.io/name': 'modeswitch', 'app.kubernetes.io/component': 'operator' };

type Peer = Record<string, unknown>;

function namespacePeer(namespace: string, podLabels?: Record<string, string>): Peer {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
    ...(podLabels && Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

/** The gateway's proxy pods, which reach the engines and ext_proc; none without an InferencePool. */
function gatewayPeers(policy: ResolvedPolicy): Peer[] {
  if (!policy.inferencePool || !policy.networkPolicy) return [];
  const np = policy.networkPolicy;
  const namespace = np.gatewayNamespace ?? policy.inferencePool.gateway?.namespace ?? policy.namespace;
  return [namespacePeer(namespace, np.gatewayPodLabels)];
}

function networkPolicy(policy: ResolvedPolicy, name: string, component: string, ingress: unknown[]): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'NetworkPolicy',
    metadata: objectMeta(policy, name, component),
    spec: {
      podSelector: { matchLabels: selectorLabels(policy.name, component) },
      policyTypes: ['Ingress'],
      ingress,
    },
  };
}

/**
 * Every mode's vLLM pods: their port only from this policy's router pods and, with an InferencePool, the gateway's
 * pods (the gateway sends requests straight to the pod the router picked). Egress stays open (weights download).
 */
export function renderEngineNetworkPolicy(policy: ResolvedPolicy): KubeObject {
  const routerPods: Peer = { podSelector: { matchLabels: selectorLabels(policy.name, COMPONENT_ROUTER) } };
  return networkPolicy(policy, `${policy.name}-engines`, COMPONENT_ENGINE, [
    { from: [routerPods, ...gatewayPeers(policy)], ports: [{ port: ENGINE_PORT, protocol: 'TCP' }] },
  ]);
}

/**
 * The router pods: its client ports (gRPC, HTTP) from anywhere, since clients authenticate with API keys; metrics
 * from the monitoring namespace and, when the capacity planner reads demand there, the operator; ext_proc only
 * from the gateway. A port nobody may reach is left out, which closes it.
 */
export function renderRouterNetworkPolicy(policy: ResolvedPolicy): KubeObject {
  const r = policy.router;
  const np = policy.networkPolicy ?? {};
  const metricsFrom: Peer[] = [
    ...(np.monitoringNamespace ? [namespacePeer(np.monitoringNamespace)] : []),
    ...(policy.capacity ? [{ namespaceSelector: {}, podSelector: { matchLabels: OPERATOR_POD_LABELS } }] : []),
  ];
  const tcp = (port: number) => ({ port, protocol: 'TCP' });
  return networkPolicy(policy, routerObjectName(policy.name), COMPONENT_ROUTER, [
    { ports: [tcp(r.grpcPort), tcp(r.httpPort)] },
    ...(metricsFrom.length > 0 ? [{ from: metricsFrom, ports: [tcp(r.metricsPort)] }] : []),
    ...(policy.inferencePool ? [{ from: gatewayPeers(policy), ports: [tcp(policy.inferencePool.extProcPort)] }] : []),
  ]);
}

/** Both NetworkPolicies when the policy enables them, else none (and the operator prunes any it made before). */
export function renderNetworkPolicies(policy: ResolvedPolicy): KubeObject[] {
  if (!policy.networkPolicy) return [];
  return [renderEngineNetworkPolicy(policy), renderRouterNetworkPolicy(policy)];
}
