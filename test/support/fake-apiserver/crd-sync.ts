import { resourcesOfCrd } from './crd.js';
import type { ResourceRegistry } from './registry.js';
import type { ObjectStore } from './store.js';
import type { ObjectWriter } from './writes.js';

export interface CrdSyncOptions {
  store: ObjectStore;
  registry: ResourceRegistry;
  writer: ObjectWriter;
}

/**
 * Keeps served resources in step with stored CustomResourceDefinitions: a created or changed CRD is served (and
 * shows in discovery) at once; a deleted one stops being served and its custom resources are deleted.
 */
export function syncCrdsToRegistry(options: CrdSyncOptions): void {
  const { store, registry, writer } = options;
  store.subscribe((event) => {
    if (event.resource.group !== 'apiextensions.k8s.io' || event.resource.plural !== 'customresourcedefinitions')
      return;
    const name = event.object.metadata.name ?? '';
    if (event.type !== 'DELETED') {
      registry.setCrdResources(name, resourcesOfCrd(event.object));
      return;
    }
    const served = resourcesOfCrd(event.object);
    const first = served.map((r) => registry.lookup(r.group, r.version, r.plural)).find((r) => r !== undefined);
    if (first) {
      for (const object of store.list(first))
        writer.delete(first, object.metadata.namespace ?? '', object.metadata.name ?? '');
    }
    registry.setCrdResources(name, []);
  });
}
