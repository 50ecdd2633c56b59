import { listMapKeys, type ApiResource } from './resources.js';
import { isPlainObject, type JsonObject } from './types.js';

/**
 * Field ownership for server-side apply. A path is a list of segments as in `fieldsV1`: `f:<field>` for a map
 * field, `k:<json of keys>` for an item of a keyed list; it is kept as one string (segments joined by SEP).
 * Lists that are not keyed are atomic: the whole list is one owned value.
 */
export const SEP = '\u0001';

/** Marks a keyed list item (owned as a whole, compared field by field). */
export const LIST_ITEM = Symbol('list item');

/** Owned paths of a value and what sits there (leaf values, or LIST_ITEM for keyed list items). */
export type FieldValues = Map<string, unknown>;

const METADATA_TRACKED = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

export type FieldScope = 'main' | 'status';

/**
 * The paths a write sets. `main` covers everything but identity metadata (and `status` when the kind has a status
 * subresource); `status` covers only status, as the real server tracks the two subresources apart.
 */
export function collectFields(object: Record<string, unknown>, resource: ApiResource, scope: FieldScope): FieldValues {
  const out: FieldValues = new Map();
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || value === undefined) continue;
    if (scope === 'status' ? key !== 'status' : key === 'status' && resource.statusSubresource) continue;
    if (key === 'metadata') {
      if (!isPlainObject(value)) continue;
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (METADATA_TRACKED.has(metaKey) && metaValue !== undefined) {
          walk(metaValue, [`f:metadata`, `f:${metaKey}`], ['metadata', metaKey], resource, out);
        }
      }
      continue;
    }
    walk(value, [`f:${key}`], [key], resource, out);
  }
  return out;
}

function walk(value: unknown, path: string[], abstract: string[], resource: ApiResource, out: FieldValues): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      if (child !== undefined) walk(child, [...path, `f:${key}`], [...abstract, key], resource, out);
    }
    return;
  }
  const keys = Array.isArray(value) ? listMapKeys(resource, abstract) : undefined;
  if (!keys || !Array.isArray(value)) {
    out.set(path.join(SEP), value);
    return;
  }
  for (const item of value) {
    if (!isPlainObject(item)) continue;
    const itemPath = [...path, itemSegment(item, keys)];
    out.set(itemPath.join(SEP), LIST_ITEM);
    walk(item, itemPath, [...abstract, '[]'], resource, out);
  }
}

export function itemSegment(item: Record<string, unknown>, keys: string[]): string {
  const keyObject: Record<string, unknown> = {};
  for (const key of [...keys].sort()) keyObject[key] = item[key];
  return `k:${JSON.stringify(keyObject)}`;
}

/** fieldsV1 JSON (nested segments, `{}` for members, `.` when a member also has owned children). */
export function encodeFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  const members = new Set<JsonObject>();
  for (const path of paths) {
    let node = root;
    for (const segment of path.split(SEP)) {
      node[segment] ??= {};
      node = node[segment] as JsonObject;
    }
    members.add(node);
  }
  markMembers(root, members);
  return root;
}

function markMembers(node: JsonObject, members: Set<JsonObject>): void {
  for (const [key, child] of Object.entries(node)) {
    if (key === '.') continue;
    let childNode = child as JsonObject;
    if (members.has(childNode) && Object.keys(childNode).length > 0) {
      childNode = { '.': {}, ...childNode }; // the real server lists "." first
      node[key] = childNode;
    }
    markMembers(childNode, members);
  }
}

export function decodeFieldsV1(fields: JsonObject | undefined): Set<string> {
  const paths = new Set<string>();
  const visit = (node: JsonObject, prefix: string[]): void => {
    for (const [key, child] of Object.entries(node)) {
      if (key === '.') {
        paths.add(prefix.join(SEP));
        continue;
      }
      const path = [...prefix, key];
      if (isPlainObject(child) && Object.keys(child).length > 0) visit(child as JsonObject, path);
      else paths.add(path.join(SEP));
    }
  };
  if (fields) visit(fields, []);
  return paths;
}

/** `.spec.modes[name="fp16"].replicas`, as conflict messages print a path. */
export function displayPath(path: string): string {
  return path
    .split(SEP)
    .map((segment) => {
      if (segment.startsWith('f:')) return `.${segment.slice(2)}`;
      const keys = JSON.parse(segment.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(keys)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/** Removes the value at a path from an object, in place; empty maps left behind go too. */
export function removePath(root: Record<string, unknown>, path: string): void {
  const segments = path.split(SEP);
  const parents: { container: Record<string, unknown> | unknown[]; at: string | number }[] = [];
  let node: unknown = root;
  for (const segment of segments) {
    if (segment.startsWith('f:') && isPlainObject(node)) {
      parents.push({ container: node, at: segment.slice(2) });
      node = node[segment.slice(2)];
    } else if (segment.startsWith('k:') && Array.isArray(node)) {
      const keys = JSON.parse(segment.slice(2)) as Record<string, unknown>;
      const index = node.findIndex(
        (item) => isPlainObject(item) && Object.entries(keys).every(([k, v]) => item[k] === v),
      );
      if (index < 0) return;
      parents.push({ container: node, at: index });
      node = node[index];
    } else return;
  }
  for (let i = parents.length - 1; i >= 0; i--) {
    const { container, at } = parents[i] as (typeof parents)[number];
    const isLast = i === parents.length - 1;
    const child = Array.isArray(container) ? container[at as number] : container[at as string];
    if (!isLast && !(isPlainObject(child) && Object.keys(child).length === 0)) break;
    if (!isLast && i === 0) break; // keep top-level maps such as spec and metadata
    if (Array.isArray(container)) container.splice(at as number, 1);
    else delete container[at as string];
  }
}
