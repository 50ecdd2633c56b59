import type { KubeObject } from '../../kube/types.js';
import { sameQuantity } from './quantity.js';

/** Metadata the operator sets; everything else in metadata belongs to the API server. */
const OWNED_METADATA = ['labels', 'annotations', 'ownerReferences'] as const;

/**
 * True when the live object already carries every field of the desired one, so applying it would change
 * nothing and can be skipped (a steady-state resync then writes nothing). Server defaults and fields other
 * managers set are allowed; status is ignored. Pure.
 */
export function containsDesired(live: KubeObject, desired: KubeObject): boolean {
  if (live.apiVersion !== desired.apiVersion || live.kind !== desired.kind) return false;
  const liveMeta = live.metadata as unknown as Record<string, unknown>;
  const desiredMeta = desired.metadata as unknown as Record<string, unknown>;
  for (const field of OWNED_METADATA) {
    if (!contains(liveMeta[field], desiredMeta[field])) return false;
  }
  const liveBody = live as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(desired)) {
    if (field === 'apiVersion' || field === 'kind' || field === 'metadata' || field === 'status') continue;
    if (!contains(liveBody[field], value)) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (Array.isArray(value) && value.length === 0) ||
    (isRecord(value) && Object.keys(value).length === 0)
  );
}

/** Whether `live` contains `desired`: objects key by key, named lists by name, other lists item by item. */
export function contains(live: unknown, desired: unknown): boolean {
  // The API server drops empty values, so a desired `{}` or `[]` matches an absent field.
  if (isEmpty(desired)) return true;
  if (Array.isArray(desired)) return Array.isArray(live) && listContains(live, desired);
  if (isRecord(desired)) {
    if (!isRecord(live)) return false;
    return Object.entries(desired).every(([k, v]) => contains(live[k], v));
  }
  if (typeof live === 'string' && typeof desired === 'string') return live === desired || sameQuantity(live, desired);
  return live === desired;
}

function listContains(live: unknown[], desired: unknown[]): boolean {
  const named = desired.every((d) => isRecord(d) && typeof d['name'] === 'string');
  if (named) {
    // Associative lists (containers, env, ports, volumes): another manager may add entries; ours must be there.
    return desired.every((d) => {
      const name = (d as Record<string, unknown>)['name'];
      return contains(
        live.find((l) => isRecord(l) && l['name'] === name),
        d,
      );
    });
  }
  return live.length === desired.length && desired.every((d, i) => contains(live[i], d));
}
