/** RBAC rules as plain data, expanded into `group/resource:verb` permissions that can be compared as sets. */

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** `group/resource:verb`, with "core" for the empty group, e.g. `apps/deployments:patch`, `core/events:create`. */
export type Permission = string;

export function permission(group: string, resource: string, verb: string): Permission {
  return `${group === '' ? 'core' : group}/${resource}:${verb}`;
}

/** Every permission a list of rules grants; resourceNames are ignored (the grant is at most this wide). */
export function permissionsOf(rules: readonly PolicyRule[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) out.add(permission(group, resource, verb));
      }
    }
  }
  return out;
}

/** Lines describing every wildcard or escalation-prone grant; empty when there is none. */
export function dangerousGrants(rules: readonly PolicyRule[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    const all = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs, ...(rule.nonResourceURLs ?? [])];
    if (all.some((x) => x.includes('*'))) out.push(`wildcard in ${JSON.stringify(rule)}`);
    for (const verb of ['escalate', 'bind', 'impersonate'])
      if (rule.verbs.includes(verb)) out.push(`${verb} in ${JSON.stringify(rule)}`);
    if ((rule.resources ?? []).some((r) => r === 'secrets')) out.push(`secrets access in ${JSON.stringify(rule)}`);
  }
  return out;
}

/** Sorted difference a - b, for readable test failures. */
export function missingFrom(a: ReadonlySet<Permission>, b: ReadonlySet<Permission>): Permission[] {
  return [...a].filter((p) => !b.has(p)).sort();
}
