/**
 * What the operator needs from the API server, derived from the operator code so the chart's RBAC cannot drift
 * from it: the kinds it owns (OWNED_KINDS), the Roles it renders for routers (it may only grant what it holds,
 * the RBAC escalation check), and the calls its controller and leader election make.
 */
import { GROUP, PLURAL } from '../../../src/api/v1alpha1/types.js';
import { OPTIONAL_OWNED_KINDS, OWNED_KINDS, POD_KIND } from '../../../src/operator/policy/owned-kinds.js';
import { renderPolicy } from '../../../src/operator/render/index.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { permission, permissionsOf, type Permission, type PolicyRule } from './rbac.js';

/** Plural resource names of the kinds the operator touches; an unknown kind fails loudly so RBAC gets reviewed. */
const PLURALS: Record<string, string> = {
  Deployment: 'deployments',
  Service: 'services',
  ConfigMap: 'configmaps',
  ServiceAccount: 'serviceaccounts',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  NetworkPolicy: 'networkpolicies',
  InferencePool: 'inferencepools',
  HTTPRoute: 'httproutes',
};

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

function pluralOf(kind: string): string {
  const plural = PLURALS[kind];
  if (!plural)
    throw new Error(
      `operator owns ${kind}, unknown to test/packaging/support/operator-permissions.ts: add it and review charts/modeswitch RBAC`,
    );
  return plural;
}

const SAMPLE_POLICY: InferenceModePolicy = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  metadata: { name: 'llama', namespace: 'llm', uid: '00000000-0000-0000-0000-000000000001' },
  spec: {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    modes: [{ name: 'fp8', quantization: 'fp8' }],
    routing: { defaultMode: 'fp8' },
  },
};

/** Rules of every Role the operator renders for a policy (the router's). */
export function renderedRoleRules(): PolicyRule[] {
  return renderPolicy(SAMPLE_POLICY)
    .filter((o) => o.kind === 'Role')
    .flatMap((o) => (o as unknown as { rules: PolicyRule[] }).rules);
}

/** Permissions the operator needs in the namespaces of the policies it manages. */
export function requiredPolicyNamespacePermissions(): Set<Permission> {
  const out = new Set<Permission>();
  const add = (group: string, resource: string, verbs: string[]) =>
    verbs.forEach((v) => out.add(permission(group, resource, v)));
  // Policy informer (list + watch) and status writes (JSON merge patch on /status): src/operator/policy/policy-controller.ts.
  add(GROUP, PLURAL, ['list', 'watch']);
  add(GROUP, `${PLURAL}/status`, ['patch']);
  // Owned objects: informers (list, watch), server-side apply (patch; an apply that creates the object is also
  // authorized as create: kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply), pruning (delete).
  for (const gvk of [...OWNED_KINDS, ...OPTIONAL_OWNED_KINDS])
    add(groupOf(gvk.apiVersion), pluralOf(gvk.kind), ['list', 'watch', 'create', 'patch', 'delete']);
  // Pods, watched read-only for the scheduler's reason in status: POD_KIND in src/operator/policy/owned-kinds.ts.
  add(groupOf(POD_KIND.apiVersion), 'pods', ['list', 'watch']);
  // Events about policies (core/v1 Event POST): src/kube/event.ts.
  add('', 'events', ['create']);
  // Owner references with blockOwnerDeletion need update on the owner's finalizers where
  // OwnerReferencesPermissionEnforcement is on (OpenShift).
  if (renderPolicy(SAMPLE_POLICY).some((o) => (o.metadata.ownerReferences ?? []).some((r) => r.blockOwnerDeletion))) {
    add(GROUP, `${PLURAL}/finalizers`, ['update']);
  }
  // Whatever the router Role grants, the operator must hold (RBAC escalation prevention).
  for (const p of permissionsOf(renderedRoleRules())) out.add(p);
  return out;
}

/** Permissions in the operator's own namespace for Lease leader election: src/kube/leader-election.ts. */
export function requiredLeaderElectionPermissions(): Set<Permission> {
  return new Set(['get', 'create', 'update'].map((v) => permission('coordination.k8s.io', 'leases', v)));
}
