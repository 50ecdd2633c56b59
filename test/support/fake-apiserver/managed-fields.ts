import { deepEqual } from './json.js';
import { collectFields, decodeFieldsV1, encodeFieldsV1, type FieldScope } from './field-set.js';
import type { ApiResource } from './resources.js';
import type { KubeObject, ManagedFieldsEntry } from './types.js';

/** A managedFields entry with its field set decoded. */
export interface Ownership {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: Set<string>;
}

export function decodeManagedFields(entries: ManagedFieldsEntry[] | undefined): Ownership[] {
  return (entries ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    ...(e.subresource ? { subresource: e.subresource } : {}),
    fields: decodeFieldsV1(e.fieldsV1),
  }));
}

/** Back to managedFields; owners left with no fields are dropped, as the real server does. */
export function encodeManagedFields(owners: Ownership[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.fields.size > 0)
    .map((o) => ({
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1' as const,
      fieldsV1: encodeFieldsV1(o.fields),
      ...(o.subresource ? { subresource: o.subresource } : {}),
    }));
}

export function sameOwner(
  o: Ownership,
  manager: string,
  operation: Ownership['operation'],
  subresource: string | undefined,
): boolean {
  return o.manager === manager && o.operation === operation && o.subresource === subresource;
}

export interface UpdateOwnershipOptions {
  resource: ApiResource;
  before: KubeObject | undefined;
  after: KubeObject;
  /** Ownership to start from: the stored object's, or what the request body set (clients may rewrite it). */
  base: ManagedFieldsEntry[] | undefined;
  manager: string;
  subresource: string | undefined;
  time: string;
}

/**
 * managedFields after a non-apply write (POST, PUT, merge/JSON patch): the writer (operation Update) takes the
 * fields it changed from everyone, and fields that disappeared leave every owner.
 */
export function ownershipAfterUpdate(options: UpdateOwnershipOptions): ManagedFieldsEntry[] {
  const { resource, before, after, base, manager, subresource, time } = options;
  const scope: FieldScope = subresource === 'status' ? 'status' : 'main';
  const oldFields = before ? collectFields(before, resource, scope) : new Map<string, unknown>();
  const newFields = collectFields(after, resource, scope);
  const changed = new Set<string>();
  for (const [path, value] of newFields)
    if (!oldFields.has(path) || !deepEqual(oldFields.get(path), value)) changed.add(path);
  const removed = [...oldFields.keys()].filter((path) => !newFields.has(path));
  const owners = decodeManagedFields(base);
  if (changed.size === 0 && removed.length === 0) return base ?? [];
  let own = owners.find((o) => sameOwner(o, manager, 'Update', subresource));
  if (!own) {
    own = {
      manager,
      operation: 'Update',
      apiVersion: after.apiVersion,
      time,
      fields: new Set(),
      ...(subresource ? { subresource } : {}),
    };
    owners.push(own);
  }
  for (const owner of owners) {
    for (const path of removed) owner.fields.delete(path);
    if (owner !== own) for (const path of changed) owner.fields.delete(path);
  }
  for (const path of changed) own.fields.add(path);
  own.time = time;
  own.apiVersion = after.apiVersion;
  return encodeManagedFields(owners);
}
