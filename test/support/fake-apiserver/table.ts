import type { ApiResource, PrinterColumn } from './resources.js';
import { isPlainObject, type KubeObject } from './types.js';

/** kubectl asks for server-side printing with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/**
 * A meta.k8s.io/v1 Table of objects, as `kubectl get` prints it: Name, then the CRD's additionalPrinterColumns or Age.
 * Built-in kinds get only Name and Age (their real, kind-specific columns are not reproduced).
 */
export function toTable(
  resource: ApiResource,
  objects: KubeObject[],
  resourceVersion: string,
  now: Date,
  includeObject: string | null,
): object {
  // Like the real server: a CRD's additionalPrinterColumns replace the default Age column (CRDs list Age themselves).
  const columns = resource.printerColumns ?? [AGE_COLUMN];
  const definition = (name: string, type: string, description: string, priority = 0, format = '') => ({
    name,
    type,
    format,
    description,
    priority,
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      definition('Name', 'string', 'Name must be unique within a namespace.', 0, 'name'),
      ...columns.map((c) => definition(c.name, c.type, c.description ?? '', c.priority ?? 0)),
    ],
    rows: objects.map((object) => ({
      cells: [object.metadata.name ?? '', ...columns.map((c) => cell(object, c, now))],
      object:
        includeObject === 'Object'
          ? object
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}

function cell(object: KubeObject, column: PrinterColumn, now: Date): unknown {
  const value = evaluateJsonPath(object, column.jsonPath);
  if (value === undefined) return null;
  if (column.type === 'date' && typeof value === 'string') return age(value, now);
  return isPlainObject(value) || Array.isArray(value) ? JSON.stringify(value) : value;
}

/** Relative age as kubectl shows it: 42s, 5m, 3h, 2d. */
function age(timestamp: string | undefined, now: Date): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/**
 * The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[*].b` and filters `.a[?(@.type=="Ready")].status`.
 * Several matches are joined with commas, as kubectl does.
 */
export function evaluateJsonPath(root: unknown, path: string): unknown {
  let nodes: unknown[] = [root];
  const steps =
    path
      .replace(/^\{?\.?/, '')
      .replace(/\}$/, '')
      .match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (!step.startsWith('[')) {
        if (isPlainObject(node) && node[step] !== undefined) next.push(node[step]);
        continue;
      }
      if (!Array.isArray(node)) continue;
      const inner = step.slice(1, -1);
      const filter = /^\?\(@\.([\w-]+)\s*==\s*["']([^"']*)["']\)$/.exec(inner);
      if (inner === '*') next.push(...node);
      else if (filter)
        next.push(...node.filter((item) => isPlainObject(item) && String(item[filter[1] ?? '']) === filter[2]));
      else if (node[Number(inner)] !== undefined) next.push(node[Number(inner)]);
    }
    nodes = next;
  }
  if (nodes.length === 0) return undefined;
  return nodes.length === 1 ? nodes[0] : nodes.map((n) => (typeof n === 'string' ? n : JSON.stringify(n))).join(',');
}
