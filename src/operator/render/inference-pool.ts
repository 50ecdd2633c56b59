import { ENGINE_PORT, type ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { COMPONENT_ENGINE, selectorLabels } from '../../api/v1alpha1/labels.js';
import { objectMeta, routerObjectName } from './object-meta.js';
import type { KubeObject } from './object.js';

export const INFERENCE_POOL_API_VERSION = 'inference.networking.k8s.io/v1';
export const INFERENCE_POOL_KIND = 'InferencePool';
export const HTTP_ROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';
const COMPONENT_POOL = 'inference-pool';

/** The pool is named after the policy: an HTTPRoute's backendRef names it. */
export function inferencePoolName(policy: string): string {
  return policy;
}

/**
 * The Gateway API Inference Extension's InferencePool for a policy that enables it: every mode's vLLM pods (the
 * mode stays a pod label, llm-d's "variant" convention), reached on the vLLM port, with the router's ext_proc port
 * as the Endpoint Picker. Undefined when the policy does not ask for one. Pure.
 */
export function renderInferencePool(policy: ResolvedPolicy): KubeObject | undefined {
  const pool = policy.inferencePool;
  if (!pool) return undefined;
  return {
    apiVersion: INFERENCE_POOL_API_VERSION,
    kind: INFERENCE_POOL_KIND,
    metadata: objectMeta(policy, inferencePoolName(policy.name), COMPONENT_POOL),
    spec: {
      selector: { matchLabels: selectorLabels(policy.name, COMPONENT_ENGINE) },
      targetPorts: [{ number: ENGINE_PORT }],
      appProtocol: 'http',
      endpointPickerRef: {
        group: '',
        kind: 'Service',
        name: routerObjectName(policy.name),
        port: { number: pool.extProcPort },
        failureMode: pool.failureMode,
      },
    },
  };
}

/**
 * The HTTPRoute attaching the pool to the Gateway the policy names: every path goes to the pool, where the gateway
 * asks the router which pod serves each request. Undefined without a pool or a Gateway. Pure.
 */
export function renderHttpRoute(policy: ResolvedPolicy): KubeObject | undefined {
  const gateway = policy.inferencePool?.gateway;
  if (!gateway) return undefined;
  return {
    apiVersion: HTTP_ROUTE_API_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMeta(policy, inferencePoolName(policy.name), COMPONENT_POOL),
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: gateway.name,
          ...(gateway.namespace ? { namespace: gateway.namespace } : {}),
          ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}),
        },
      ],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { group: 'inference.networking.k8s.io', kind: INFERENCE_POOL_KIND, name: inferencePoolName(policy.name) },
          ],
        },
      ],
    },
  };
}
