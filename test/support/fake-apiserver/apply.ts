import { ApiError, invalid } from './errors.js';
import { findDuplicateListItems } from './list-validation.js';
import { collectFields, displayPath, LIST_ITEM, removePath, SEP, type FieldScope } from './field-set.js';
import { clone, deepEqual } from './json.js';
import { decodeManagedFields, encodeManagedFields, sameOwner, type Ownership } from './managed-fields.js';
import { listMapKeys, type ApiResource } from './resources.js';
import { isPlainObject, type KubeObject } from './types.js';

export interface ApplyOptions {
  resource: ApiResource;
  /** The stored object, or undefined when apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration (the request body). */
  config: KubeObject;
  manager: string;
  force: boolean;
  /** 'status' for an apply to the /status subresource. */
  subresource: string | undefined;
  time: string;
}

/**
 * Server-side apply: merges the configuration into the live object, removes fields this manager applied before
 * and no longer applies (unless someone else owns them), and records ownership. Changing a field another manager
 * owns fails with a 409 listing the fields, unless `force` takes them over.
 */
export function applyConfiguration(options: ApplyOptions): KubeObject {
  const { resource, live, config, manager, force, subresource, time } = options;
  // Items are merged by key, so duplicate keys in the applied configuration would silently collapse; the real
  // server refuses such a configuration instead.
  if (resource.schema) {
    const duplicates = findDuplicateListItems(config, resource.schema);
    if (duplicates.length > 0) throw invalid(resource.kind, resource.group, config.metadata.name ?? '', duplicates);
  }
  const scope: FieldScope = subresource === 'status' ? 'status' : 'main';
  const applied = collectFields(config, resource, scope);
  const liveFields = live ? collectFields(live, resource, scope) : new Map<string, unknown>();
  const owners = decodeManagedFields(live?.metadata.managedFields);
  const others = owners.filter((o) => o.manager !== manager && o.subresource === subresource);

  const conflicts: { owner: Ownership; path: string }[] = [];
  for (const owner of others) {
    for (const path of owner.fields) {
      const value = applied.get(path);
      if (value === undefined || value === LIST_ITEM || !liveFields.has(path)) continue;
      if (!deepEqual(liveFields.get(path), value)) conflicts.push({ owner, path });
    }
  }
  if (conflicts.length > 0 && !force) throw applyConflict(resource, config.metadata.name ?? '', conflicts);

  const merged = live ? mergeInto(clone(live), config, scope, resource) : clone(config);
  let own = owners.find((o) => sameOwner(o, manager, 'Apply', subresource));
  // Shallow paths first: a dropped list item goes as a whole before its fields are looked for.
  const dropped = [...(own?.fields ?? [])].filter(
    (path) => !applied.has(path) && !owners.some((o) => o !== own && o.fields.has(path)),
  );
  for (const path of dropped.sort((a, b) => a.split(SEP).length - b.split(SEP).length)) removePath(merged, path);
  if (force) for (const owner of others) for (const path of applied.keys()) owner.fields.delete(path);
  if (!own) {
    own = {
      manager,
      operation: 'Apply',
      apiVersion: config.apiVersion,
      time,
      fields: new Set(),
      ...(subresource ? { subresource } : {}),
    };
    owners.push(own);
  }
  const changedOwnership = own.fields.size !== applied.size || [...applied.keys()].some((p) => !own.fields.has(p));
  own.fields = new Set(applied.keys());
  own.apiVersion = config.apiVersion;
  if (changedOwnership || !live) own.time = time;
  merged.metadata.managedFields = encodeManagedFields(owners);
  return merged;
}

function mergeInto(live: KubeObject, config: KubeObject, scope: FieldScope, resource: ApiResource): KubeObject {
  for (const [key, value] of Object.entries(config)) {
    if (scope === 'status' ? key !== 'status' : key === 'status' && resource.statusSubresource) continue;
    if (key === 'metadata' && isPlainObject(value)) {
      const { managedFields: _ignored, ...metadata } = value;
      live.metadata = mergeValue(live.metadata, metadata, ['metadata'], resource) as KubeObject['metadata'];
    } else live[key] = mergeValue(live[key], value, [key], resource);
  }
  return live;
}

/** Maps merge field by field, keyed lists item by item; anything else is replaced by the applied value. */
function mergeValue(live: unknown, applied: unknown, abstract: string[], resource: ApiResource): unknown {
  if (isPlainObject(live) && isPlainObject(applied)) {
    const result: Record<string, unknown> = { ...live };
    for (const [key, value] of Object.entries(applied))
      result[key] = mergeValue(live[key], value, [...abstract, key], resource);
    return result;
  }
  const keys = Array.isArray(live) && Array.isArray(applied) ? listMapKeys(resource, abstract) : undefined;
  if (keys && Array.isArray(live) && Array.isArray(applied)) {
    const result = [...live];
    for (const item of applied) {
      const index = result.findIndex(
        (old) => isPlainObject(old) && isPlainObject(item) && keys.every((k) => deepEqual(old[k], item[k])),
      );
      if (index >= 0) result[index] = mergeValue(result[index], item, [...abstract, '[]'], resource);
      else result.push(clone(item));
    }
    return result;
  }
  return clone(applied);
}

function applyConflict(resource: ApiResource, name: string, conflicts: { owner: Ownership; path: string }[]): ApiError {
  const describeOwner = (o: Ownership) => `"${o.manager}"${o.operation === 'Update' ? ` using ${o.apiVersion}` : ''}`;
  const byOwner = new Map<Ownership, string[]>();
  for (const c of conflicts) byOwner.set(c.owner, [...(byOwner.get(c.owner) ?? []), displayPath(c.path)]);
  const n = conflicts.length;
  const parts = [...byOwner.entries()].map(([owner, paths]) =>
    n === 1
      ? `conflict with ${describeOwner(owner)}: ${paths[0] ?? ''}`
      : `conflicts with ${describeOwner(owner)}:\n${paths.map((p) => `- ${p}`).join('\n')}`,
  );
  const message = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    name,
    ...(resource.group ? { group: resource.group } : {}),
    kind: resource.plural,
    causes: conflicts.map((c) => ({
      type: 'FieldManagerConflict',
      message: `conflict with ${describeOwner(c.owner)}`,
      field: displayPath(c.path),
    })),
  });
}
