/** What the server knows about one served resource (one group/version/plural), built-in or from a CRD. */

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The subset of OpenAPI v3 (Kubernetes flavour) that validation, defaulting and CEL read. */
export interface SchemaProps {
  type?: string;
  properties?: Record<string, SchemaProps>;
  items?: SchemaProps;
  additionalProperties?: SchemaProps | boolean;
  required?: string[];
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
  [keyword: string]: unknown;
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Writes to the main resource keep status; `/status` writes change only status. */
  statusSubresource: boolean;
  /** metadata.generation is kept and bumped when the spec (everything but metadata and status) changes. */
  hasGeneration: boolean;
  /** Custom resources are validated, defaulted and pruned against this schema. */
  schema?: SchemaProps;
  printerColumns?: PrinterColumn[];
}

export function apiVersionOf(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** Objects are stored per group and plural, whichever served version wrote them. */
export function storageKeyOf(resource: Pick<ApiResource, 'group' | 'plural'>): string {
  return `${resource.plural}.${resource.group}`;
}

interface BuiltinSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  status?: boolean;
  generation?: boolean;
}

const BUILTINS: BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
  },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    status: true,
  },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], status: true },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    shortNames: ['deploy'],
    status: true,
    generation: true,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
    generation: true,
  },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    shortNames: ['pdb'],
    status: true,
    generation: true,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    generation: true,
  },
];

export function builtinResources(): ApiResource[] {
  return BUILTINS.map((spec) => ({
    group: spec.group,
    version: spec.version,
    kind: spec.kind,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: [],
    statusSubresource: spec.status ?? false,
    hasGeneration: spec.generation ?? false,
  }));
}

/**
 * Lists of built-in kinds that server-side apply merges by key (the rest are atomic). Paths use field names with
 * `[]` for "an item of a list". A small table instead of the full OpenAPI: enough for the objects the operator writes.
 */
const BUILTIN_LIST_KEYS: Record<string, string[]> = {
  'spec.template.spec.containers': ['name'],
  'spec.template.spec.initContainers': ['name'],
  'spec.template.spec.volumes': ['name'],
  'spec.template.spec.containers[].env': ['name'],
  'spec.template.spec.containers[].volumeMounts': ['mountPath'],
  'spec.template.spec.initContainers[].env': ['name'],
  'spec.containers': ['name'],
  'spec.initContainers': ['name'],
  'spec.volumes': ['name'],
  'spec.containers[].env': ['name'],
  'status.conditions': ['type'],
  'metadata.ownerReferences': ['uid'],
};

/** Keys of the list at `abstractPath` (field names, `[]` for list items), or undefined when the list is atomic. */
export function listMapKeys(resource: ApiResource, abstractPath: string[]): string[] | undefined {
  if (!resource.schema || abstractPath[0] === 'metadata')
    return BUILTIN_LIST_KEYS[abstractPath.join('.').replaceAll('.[]', '[]')];
  const node = schemaAt(resource.schema, abstractPath);
  return node?.['x-kubernetes-list-type'] === 'map' ? node['x-kubernetes-list-map-keys'] : undefined;
}

/** The schema node at an abstract path, following properties, additionalProperties and items. */
export function schemaAt(schema: SchemaProps, abstractPath: string[]): SchemaProps | undefined {
  let node: SchemaProps | undefined = schema;
  for (const segment of abstractPath) {
    if (!node) return undefined;
    if (segment === '[]') node = node.items;
    else
      node =
        node.properties?.[segment] ??
        (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
  }
  return node;
}
