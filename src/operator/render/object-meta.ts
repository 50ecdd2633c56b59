import { API_VERSION, KIND } from '../../api/v1alpha1/types.js';
import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { objectLabels } from '../../api/v1alpha1/labels.js';
import type { KubeObject, OwnerReference } from './object.js';

/**
 * On an autoscaled mode's Deployment, which is rendered without replicas: the replicas it is created with (the mode's
 * floor), since the API server would otherwise default them to 1 and start a pod a scale-to-zero mode has no GPU for.
 */
export const INITIAL_REPLICAS_ANNOTATION = 'modeswitch.io/initial-replicas';

export function modeObjectName(policy: string, mode: string): string {
  return `${policy}-${mode}`;
}

export function routerObjectName(policy: string): string {
  return `${policy}-router`;
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
