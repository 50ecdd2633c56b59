import {
  requiredLeaderElectionPermissions,
  requiredPolicyNamespacePermissions,
  renderedRoleRules,
} from './support/operator-permissions.js';
import { ciValuesFile } from './support/paths.js';
import { dangerousGrants, missingFrom, permissionsOf, type PolicyRule } from './support/rbac.js';
import { findManifest, renderChart, type Manifest } from './support/render-chart.js';

const rulesOf = (m: Manifest) => m['rules'] as PolicyRule[];

describe('operator RBAC', () => {
  const cluster = renderChart({ valuesFiles: [ciValuesFile('default')] });
  const namespaced = renderChart({ valuesFiles: [ciValuesFile('namespaced')] });
  const required = requiredPolicyNamespacePermissions();

  it.each([
    ['ClusterRole (cluster-wide install)', () => findManifest(cluster, 'ClusterRole')],
    [
      'Role in the watched namespace',
      () => namespaced.find((m) => m.kind === 'Role' && m.metadata.namespace === 'llm') as Manifest,
    ],
  ])('%s grants every call the operator makes and nothing more', (_name, role) => {
    const granted = permissionsOf(rulesOf(role()));
    expect({ missing: missingFrom(required, granted), extra: missingFrom(granted, required) }).toEqual({
      missing: [],
      extra: [],
    });
  });

  it('grants Lease access for leader election only in the operator namespace', () => {
    const role = findManifest(cluster, 'Role', 'ms-modeswitch-operator-leader-election');
    expect(role.metadata.namespace).toBe('modeswitch-system');
    expect([...permissionsOf(rulesOf(role))].sort()).toEqual([...requiredLeaderElectionPermissions()].sort());
  });

  it('lets the operator grant the router Role without escalate or bind', () => {
    const granted = permissionsOf(rulesOf(findManifest(cluster, 'ClusterRole')));
    expect(renderedRoleRules().length).toBeGreaterThan(0);
    expect(missingFrom(permissionsOf(renderedRoleRules()), granted)).toEqual([]);
  });

  it('has no wildcards, escalate/bind/impersonate or secret access anywhere', () => {
    const roles = [...cluster, ...namespaced].filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role');
    expect(roles.length).toBeGreaterThanOrEqual(4);
    expect(roles.flatMap((r) => dangerousGrants(rulesOf(r)))).toEqual([]);
  });
});
