import type { ApiResource } from './resources.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

/** What the garbage collector may do: read the store and write through the normal update/delete paths. */
export interface GarbageCollectorPort {
  store: ObjectStore;
  update(resource: ApiResource, object: KubeObject): void;
  delete(resource: ApiResource, object: KubeObject, policy: 'Background' | 'Foreground'): void;
}

/**
 * After an owner is gone (or, in foreground deletion, while it waits): a dependent that still has another live
 * owner only loses the reference; one with no live owner left is deleted with the same policy.
 */
export function collectGarbage(
  port: GarbageCollectorPort,
  owner: KubeObject,
  policy: 'Background' | 'Foreground',
): void {
  const ownerUid = owner.metadata.uid ?? '';
  for (const uid of port.store.dependentsOf(ownerUid)) {
    const dependent = port.store.findByUid(uid);
    if (!dependent || dependent.object.metadata.deletionTimestamp) continue;
    const refs = dependent.object.metadata.ownerReferences ?? [];
    const otherLiveOwner = refs.some((ref) => ref.uid !== ownerUid && isLive(port.store, ref.uid));
    if (otherLiveOwner && policy === 'Background') {
      const remaining = refs.filter((ref) => ref.uid !== ownerUid);
      port.update(dependent.resource, {
        ...dependent.object,
        metadata: { ...dependent.object.metadata, ownerReferences: remaining },
      });
    } else if (!otherLiveOwner) port.delete(dependent.resource, dependent.object, policy);
  }
}

function isLive(store: ObjectStore, uid: string): boolean {
  const found = store.findByUid(uid);
  return found !== undefined && !found.object.metadata.deletionTimestamp;
}

/** What the namespace controller does once a Namespace is gone: delete everything that was in it. */
export function deleteNamespaceContents(port: GarbageCollectorPort, namespace: KubeObject): void {
  for (const { objects } of port.store.inNamespace(namespace.metadata.name ?? '')) {
    for (const object of objects) {
      const found = object.metadata.uid ? port.store.findByUid(object.metadata.uid) : undefined;
      if (found && !found.object.metadata.deletionTimestamp) port.delete(found.resource, found.object, 'Background');
    }
  }
}

/** Foreground-deleted owners whose last dependent just went: drop the foregroundDeletion finalizer so they go too. */
export function finishForegroundDeletion(port: GarbageCollectorPort, removed: KubeObject): void {
  for (const ref of removed.metadata.ownerReferences ?? []) {
    const owner = port.store.findByUid(ref.uid);
    const finalizers = owner?.object.metadata.finalizers ?? [];
    if (!owner || !finalizers.includes('foregroundDeletion')) continue;
    if (port.store.dependentsOf(ref.uid).length > 0) continue;
    const rest = finalizers.filter((f) => f !== 'foregroundDeletion');
    port.update(owner.resource, { ...owner.object, metadata: { ...owner.object.metadata, finalizers: rest } });
  }
}

/** Orphan propagation: dependents lose their reference to the owner and stay. */
export function orphanDependents(port: GarbageCollectorPort, ownerUid: string): void {
  for (const uid of port.store.dependentsOf(ownerUid)) {
    const dependent = port.store.findByUid(uid);
    if (!dependent) continue;
    const remaining = (dependent.object.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== ownerUid);
    port.update(dependent.resource, {
      ...dependent.object,
      metadata: { ...dependent.object.metadata, ownerReferences: remaining },
    });
  }
}
