import { type ApiResource, storageKeyOf } from './resources.js';
import type { KubeObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  resource: ApiResource;
  object: KubeObject;
  /** The object before a MODIFIED (watches with selectors need it to turn updates into ADDED/DELETED). */
  previous?: KubeObject;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

interface Located {
  resource: ApiResource;
  namespace: string;
  name: string;
}

/**
 * Indexed object storage: storage key (plural.group) → namespace → name, plus uid and owner-uid indexes, one global
 * resourceVersion counter and synchronous change events. Stored objects are replaced, never mutated, so events
 * and readers can hold references without copying; callers that hand objects out clone them.
 */
export class ObjectStore {
  private readonly objects = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly byUid = new Map<string, Located>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly listeners: StoreListener[] = [];
  private resourceVersion = 1;

  currentResourceVersion(): number {
    return this.resourceVersion;
  }

  nextResourceVersion(): number {
    return ++this.resourceVersion;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  get(resource: ApiResource, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(storageKeyOf(resource))?.get(namespace)?.get(name);
  }

  /** Objects of a resource in one namespace, or in all when namespace is undefined. */
  list(resource: ApiResource, namespace?: string): KubeObject[] {
    const byNamespace = this.objects.get(storageKeyOf(resource));
    if (!byNamespace) return [];
    if (namespace !== undefined) return [...(byNamespace.get(namespace)?.values() ?? [])];
    const all: KubeObject[] = [];
    for (const byName of byNamespace.values()) all.push(...byName.values());
    return all;
  }

  count(resource: ApiResource): number {
    let n = 0;
    for (const byName of this.objects.get(storageKeyOf(resource))?.values() ?? []) n += byName.size;
    return n;
  }

  /** Every object in a namespace, whatever its kind (the namespace controller's view). */
  inNamespace(namespace: string): { key: string; objects: KubeObject[] }[] {
    const found: { key: string; objects: KubeObject[] }[] = [];
    for (const [key, byNamespace] of this.objects) {
      const byName = byNamespace.get(namespace);
      if (byName && byName.size > 0) found.push({ key, objects: [...byName.values()] });
    }
    return found;
  }

  findByUid(uid: string): { resource: ApiResource; object: KubeObject } | undefined {
    const located = this.byUid.get(uid);
    if (!located) return undefined;
    const object = this.get(located.resource, located.namespace, located.name);
    return object ? { resource: located.resource, object } : undefined;
  }

  /** UIDs of objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): string[] {
    return [...(this.dependents.get(uid) ?? [])];
  }

  /** Stores a new or changed object (already carrying its new resourceVersion) and tells listeners. */
  put(resource: ApiResource, object: KubeObject): void {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    const key = storageKeyOf(resource);
    let byNamespace = this.objects.get(key);
    if (!byNamespace) this.objects.set(key, (byNamespace = new Map()));
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    const previous = byName.get(name);
    byName.set(name, object);
    this.indexOwners(previous, object);
    if (object.metadata.uid) this.byUid.set(object.metadata.uid, { resource, namespace, name });
    this.emit({
      type: previous ? 'MODIFIED' : 'ADDED',
      resource,
      object,
      ...(previous ? { previous } : {}),
      resourceVersion: Number(object.metadata.resourceVersion),
    });
  }

  /** Removes an object; `finalState` is what the DELETED event carries (with the deletion's resourceVersion). */
  remove(resource: ApiResource, finalState: KubeObject): void {
    const namespace = finalState.metadata.namespace ?? '';
    const byName = this.objects.get(storageKeyOf(resource))?.get(namespace);
    const previous = byName?.get(finalState.metadata.name ?? '');
    if (!byName || !previous) return;
    byName.delete(finalState.metadata.name ?? '');
    this.indexOwners(previous, undefined);
    if (previous.metadata.uid) this.byUid.delete(previous.metadata.uid);
    this.emit({
      type: 'DELETED',
      resource,
      object: finalState,
      previous,
      resourceVersion: Number(finalState.metadata.resourceVersion),
    });
  }

  private indexOwners(before: KubeObject | undefined, after: KubeObject | undefined): void {
    const uid = (after ?? before)?.metadata.uid;
    if (!uid) return;
    for (const ref of before?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    for (const ref of after?.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
  }

  private emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
