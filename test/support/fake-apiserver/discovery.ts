import type { ResourceRegistry } from './registry.js';
import type { ApiResource } from './resources.js';

/** The version this fake claims to be (matches the kubectl the tests run). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-fake',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/**
 * Unaggregated discovery documents (/version, /api, /apis, /api/v1, /apis/<group>[/<version>]); undefined for any
 * other path. Clients that ask for aggregated discovery get these with content type application/json and fall
 * back, as they do against older servers.
 */
export function discoveryDocument(path: string, registry: ResourceRegistry, serverAddress: string): object | undefined {
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  const groups = registry
    .groupVersions()
    .filter((g) => g.group !== '')
    .map(groupDocument);
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'api' && parts.length === 2) return resourceList(registry, '', parts[1] ?? '');
  if (parts[0] === 'apis' && parts.length === 2) {
    const group = groups.find((g) => g.name === parts[1]);
    return group ? { kind: 'APIGroup', apiVersion: 'v1', ...group } : undefined;
  }
  if (parts[0] === 'apis' && parts.length === 3) return resourceList(registry, parts[1] ?? '', parts[2] ?? '');
  return undefined;
}

function groupDocument(entry: { group: string; versions: string[] }) {
  const versions = entry.versions.map((version) => ({ groupVersion: `${entry.group}/${version}`, version }));
  return { name: entry.group, versions, preferredVersion: versions[0] };
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.flatMap((r) => [describe(r), ...(r.statusSubresource ? [describeStatus(r)] : [])]),
  };
}

function describe(resource: ApiResource) {
  return {
    name: resource.plural,
    singularName: resource.singular,
    namespaced: resource.namespaced,
    kind: resource.kind,
    verbs: VERBS,
    ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
    ...(resource.categories.length > 0 ? { categories: resource.categories } : {}),
  };
}

function describeStatus(resource: ApiResource) {
  return {
    name: `${resource.plural}/status`,
    singularName: '',
    namespaced: resource.namespaced,
    kind: resource.kind,
    verbs: ['get', 'patch', 'update'],
  };
}
