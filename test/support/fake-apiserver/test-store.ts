import { clone } from './json.js';
import type { ResourceRegistry } from './registry.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import type { DeleteOptions, ObjectWriter } from './writes.js';

/** Field manager of writes tests make straight into the store. */
const TEST_MANAGER = 'fake-apiserver-test';

/**
 * Direct access to the fake server's objects for tests (seed objects, play a controller that sets a Deployment's
 * status, clear finalizers). Writes go through the same semantics as HTTP writes and produce watch events; reads
 * return copies. Failures throw ApiError, as the HTTP API would answer.
 */
export class TestStore {
  constructor(
    private readonly registry: ResourceRegistry,
    private readonly store: ObjectStore,
    private readonly writer: ObjectWriter,
  ) {}

  get(apiVersion: string, kind: string, name: string, namespace = ''): KubeObject | undefined {
    const resource = this.registry.requireKind(apiVersion, kind);
    const object = this.store.get(resource, resource.namespaced ? namespace : '', name);
    return object ? clone(object) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    return this.store.list(this.registry.requireKind(apiVersion, kind), namespace).map(clone);
  }

  count(apiVersion: string, kind: string): number {
    return this.store.count(this.registry.requireKind(apiVersion, kind));
  }

  create(object: KubeObject): KubeObject {
    return clone(
      this.writer.create(this.registry.requireKind(object.apiVersion, object.kind), object, { manager: TEST_MANAGER }),
    );
  }

  /** Replaces an object (resourceVersion checked when the object carries one). */
  update(object: KubeObject): KubeObject {
    return clone(
      this.writer.update(this.registry.requireKind(object.apiVersion, object.kind), object, { manager: TEST_MANAGER }),
    );
  }

  /** Sets status (through the status subresource where the kind has one), like a controller reporting. */
  setStatus(apiVersion: string, kind: string, name: string, namespace: string, status: unknown): KubeObject {
    const resource = this.registry.requireKind(apiVersion, kind);
    const current = this.get(apiVersion, kind, name, namespace);
    if (!current) throw new Error(`${kind} ${namespace}/${name} does not exist`);
    const write = resource.statusSubresource ? ({ subresource: 'status' } as const) : {};
    return clone(this.writer.update(resource, { ...current, status }, { manager: TEST_MANAGER, ...write }));
  }

  /** Removes all finalizers; an object being deleted then goes away (and its dependents with it). */
  removeFinalizers(apiVersion: string, kind: string, name: string, namespace = ''): KubeObject {
    const current = this.get(apiVersion, kind, name, namespace);
    if (!current) throw new Error(`${kind} ${namespace}/${name} does not exist`);
    return this.update({ ...current, metadata: { ...current.metadata, finalizers: [] } });
  }

  delete(apiVersion: string, kind: string, name: string, namespace = '', options: DeleteOptions = {}): KubeObject {
    const resource = this.registry.requireKind(apiVersion, kind);
    return clone(this.writer.delete(resource, resource.namespaced ? namespace : '', name, options));
  }

  /** The newest resourceVersion handed out. */
  resourceVersion(): string {
    return String(this.store.currentResourceVersion());
  }
}
