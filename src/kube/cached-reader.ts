import type { Informer } from './informer.js';
import {
  objectKey,
  type GroupVersionKind,
  type KubeClient,
  type KubeObject,
  type ListQuery,
  type ObjectReader,
  type ObjectRef,
} from './types.js';

function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.apiVersion}/${gvk.kind}`;
}

/**
 * Serves reads from informer caches (like controller-runtime's cached client), so reconciling an unchanged
 * policy costs the API server nothing. Kinds without an informer are read from the API server.
 */
export class CachedReader implements ObjectReader {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly fallback: KubeClient) {}

  register(gvk: GroupVersionKind, informer: Informer): void {
    this.informers.set(gvkKey(gvk), informer);
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const informer = this.informers.get(gvkKey(ref));
    if (!informer) return this.fallback.get<T>(ref);
    return informer.get(objectKey(ref)) as T | undefined;
  }

  async list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<T[]> {
    const informer = this.informers.get(gvkKey(query));
    if (!informer) return (await this.fallback.list<T>(query)).items;
    return informer.list(query.namespace, query.labelSelector) as T[];
  }
}
