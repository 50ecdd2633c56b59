import { apiVersionOf, type ApiResource, builtinResources } from './resources.js';

/** Served resources by group/version/plural, with the lookups discovery and routing need. */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ApiResource>();
  private readonly byKind = new Map<string, ApiResource>();
  /** Resources a CRD added, by CRD name, so an update or delete of the CRD replaces them. */
  private readonly fromCrd = new Map<string, ApiResource[]>();

  constructor() {
    for (const resource of builtinResources()) this.add(resource);
  }

  lookup(group: string, version: string, plural: string): ApiResource | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  lookupKind(apiVersion: string, kind: string): ApiResource | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Resource for an apiVersion/kind, or an Error a test author can act on. */
  requireKind(apiVersion: string, kind: string): ApiResource {
    const resource = this.lookupKind(apiVersion, kind);
    if (!resource) throw new Error(`fake API server does not serve ${kind} in ${apiVersion}`);
    return resource;
  }

  all(): ApiResource[] {
    return [...this.byPath.values()];
  }

  /** Served group/versions, core group first, in registration order. */
  groupVersions(): { group: string; versions: string[] }[] {
    const groups = new Map<string, string[]>();
    for (const resource of this.byPath.values()) {
      const versions = groups.get(resource.group) ?? [];
      if (!versions.includes(resource.version)) versions.push(resource.version);
      groups.set(resource.group, versions);
    }
    return [...groups.entries()].map(([group, versions]) => ({ group, versions }));
  }

  inGroupVersion(group: string, version: string): ApiResource[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }

  /** Sets (or replaces) what a CRD serves; an empty list removes it. */
  setCrdResources(crdName: string, resources: ApiResource[]): void {
    for (const old of this.fromCrd.get(crdName) ?? []) this.remove(old);
    if (resources.length === 0) this.fromCrd.delete(crdName);
    else this.fromCrd.set(crdName, resources);
    for (const resource of resources) this.add(resource);
  }

  private add(resource: ApiResource): void {
    this.byPath.set(`${resource.group}/${resource.version}/${resource.plural}`, resource);
    this.byKind.set(`${apiVersionOf(resource)}/${resource.kind}`, resource);
  }

  private remove(resource: ApiResource): void {
    this.byPath.delete(`${resource.group}/${resource.version}/${resource.plural}`);
    this.byKind.delete(`${apiVersionOf(resource)}/${resource.kind}`);
  }
}
