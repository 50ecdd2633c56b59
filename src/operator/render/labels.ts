import { API_VERSION, KIND } from '../../api/v1alpha1/types.js';
import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import type { KubeObject, OwnerReference } from './object.js';

import { LABEL_MANAGED_BY, LABEL_MODE, LABEL_POLICY, MANAGED_BY } from '../../api/v1alpha1/labels.js';

export { LABEL_MANAGED_BY, LABEL_MODE, LABEL_POLICY, MANAGED_BY };
export const COMPONENT_ENGINE = 'engine';
/**
 * On an autoscaled mode's Deployment, which is rendered without replicas: the replicas it is created with (the mode's
 * floor), since the API server would otherwise default them to 1 and start a pod a scale-to-zero mode has no GPU for.
 */
export const INITIAL_REPLICAS_ANNOTATION = 'modeswitch.io/initial-replicas';
export const COMPONENT_ROUTER = 'router';

export function modeObjectName(policy: string, mode: string): string {
  return `${policy}-${mode}`;
}

export function routerObjectName(policy: string): string {
  return `${policy}-router`;
}

/** Labels that select a component's pods; kept small and stable because Deployment selectors are immutable. */
export function selectorLabels(policy: string, component: string, mode?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'modeswitch',
    'app.kubernetes.io/instance': policy,
    'app.kubernetes.io/component': component,
    [LABEL_POLICY]: policy,
    ...(mode ? { [LABEL_MODE]: mode } : {}),
  };
}

export function objectLabels(policy: string, component: string, mode?: string): Record<string, string> {
  return {
    ...selectorLabels(policy, component, mode),
    [LABEL_MANAGED_BY]: MANAGED_BY,
    'app.kubernetes.io/part-of': 'modeswitch',
  };
}

/**
 * Metadata of a rendered object. The policy is its controlling owner, so deleting the policy deletes it (garbage
 * collection); a policy not yet stored (no uid, as in `modeswitch render`) has none.
 */
export function objectMeta(
  policy: ResolvedPolicy,
  name: string,
  component: string,
  mode?: string,
): KubeObject['metadata'] {
  const owner: OwnerReference[] = policy.uid
    ? [
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name: policy.name,
          uid: policy.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]
    : [];
  return {
    name,
    namespace: policy.namespace,
    labels: objectLabels(policy.name, component, mode),
    ...(owner.length > 0 ? { ownerReferences: owner } : {}),
  };
}
