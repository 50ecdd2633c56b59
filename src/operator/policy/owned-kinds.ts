import type { GroupVersionKind } from '../../kube/types.js';

/** Every kind the renderer produces; the controller watches and prunes exactly these. */
export const OWNED_KINDS: readonly GroupVersionKind[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
];

/**
 * Owned kinds whose CRDs a cluster may not have (Gateway API and its Inference Extension): watched, applied and
 * pruned only where the API server serves them, as discovery says when the operator starts.
 */
export const OPTIONAL_OWNED_KINDS: readonly GroupVersionKind[] = [
  { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
];

/**
 * Mode and router pods: watched read-only, so status can say why replicas are missing (the scheduler's reason).
 * Never written or pruned; their ReplicaSets own them.
 */
export const POD_KIND: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
