import { randomBytes, randomUUID } from 'node:crypto';
import { admit } from './admission.js';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound, STALE_RESOURCE_VERSION } from './errors.js';
import { collectGarbage, deleteNamespaceContents, finishForegroundDeletion, orphanDependents } from './gc.js';
import { clone, deepEqual } from './json.js';
import { ownershipAfterUpdate } from './managed-fields.js';
import type { ResourceRegistry } from './registry.js';
import { apiVersionOf, type ApiResource } from './resources.js';
import type { ObjectStore } from './store.js';
import { applyKindStrategy } from './strategies.js';
import { type Clock, formatTimestamp, type KubeObject } from './types.js';

export interface WriteOptions {
  /** Field manager recorded in managedFields (operation Update). */
  manager: string;
  /** 'status' writes change only status. */
  subresource?: 'status';
  /** managedFields on the object were already computed (server-side apply). */
  ownershipComputed?: boolean;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ObjectWriterOptions {
  store: ObjectStore;
  registry: ResourceRegistry;
  clock: Clock;
}

/**
 * Create, update and delete with the API server's semantics: uid, timestamps, resourceVersion and generation,
 * optimistic concurrency, status subresource, validation, managedFields, no-op updates that change nothing,
 * finalizers with deletionTimestamp, and owner-reference garbage collection (synchronous, so tests need not wait).
 */
export class ObjectWriter {
  constructor(private readonly options: ObjectWriterOptions) {}

  create(resource: ApiResource, input: KubeObject, write: WriteOptions): KubeObject {
    const { store, clock } = this.options;
    const object = clone(input);
    object.apiVersion = apiVersionOf(resource);
    object.kind = resource.kind;
    object.metadata = { ...(object.metadata ?? {}) };
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomBytes(4).toString('hex').slice(0, 5);
    if (!meta.name) {
      throw invalid(resource.kind, resource.group, '', [
        {
          field: 'metadata.name',
          reason: 'FieldValueRequired',
          detail: 'Required value: name or generateName is required',
        },
      ]);
    }
    if (resource.namespaced) this.requireNamespace(meta.namespace);
    else delete meta.namespace;
    if (store.get(resource, meta.namespace ?? '', meta.name)) throw alreadyExists(resource, meta.name);
    if (resource.statusSubresource && write.subresource !== 'status') delete object['status'];
    const now = formatTimestamp(clock.now());
    applyKindStrategy(resource, object, now);
    admit(resource, object, undefined);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = now;
    if (resource.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    if (!write.ownershipComputed) {
      delete meta.managedFields;
      meta.managedFields = ownershipAfterUpdate({
        resource,
        before: undefined,
        after: object,
        base: undefined,
        manager: write.manager,
        subresource: write.subresource,
        time: now,
      });
    }
    meta.resourceVersion = String(store.nextResourceVersion());
    store.put(resource, object);
    return object;
  }

  update(resource: ApiResource, input: KubeObject, write: WriteOptions): KubeObject {
    const { store, clock } = this.options;
    const namespace = resource.namespaced ? (input.metadata?.namespace ?? '') : '';
    const name = input.metadata?.name ?? '';
    const old = store.get(resource, namespace, name);
    if (!old) throw notFound(resource, name);
    const wantedVersion = input.metadata.resourceVersion;
    if (wantedVersion && wantedVersion !== old.metadata.resourceVersion)
      throw conflict(resource, name, STALE_RESOURCE_VERSION);
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) {
      throw conflict(
        resource,
        name,
        `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    const now = formatTimestamp(clock.now());
    const next =
      write.subresource === 'status'
        ? { ...clone(old), status: clone(input['status']) }
        : this.mainUpdate(resource, old, input);
    if (next['status'] === undefined) delete next['status'];
    if (write.ownershipComputed) next.metadata.managedFields = clone(input.metadata.managedFields);
    if (write.subresource !== 'status') applyKindStrategy(resource, next, now);
    admit(resource, next, old);
    if (resource.hasGeneration && specChanged(resource, old, next))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (!write.ownershipComputed) {
      // Like the real server, a body that sets managedFields replaces them (kubectl rewrites them when it
      // migrates client-side apply to server-side apply); an empty or missing list keeps the stored ones.
      const requested = write.subresource === 'status' ? undefined : input.metadata.managedFields;
      const base = requested?.length ? clone(requested) : old.metadata.managedFields;
      next.metadata.managedFields = ownershipAfterUpdate({
        resource,
        before: old,
        after: next,
        base,
        manager: write.manager,
        subresource: write.subresource,
        time: now,
      });
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (!next.metadata.managedFields?.length) delete next.metadata.managedFields;
    if (deepEqual(next, old)) return old; // the real server answers no-op writes without a new resourceVersion or event
    next.metadata.resourceVersion = String(store.nextResourceVersion());
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      this.removeNow(resource, next);
      return next;
    }
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    store.put(resource, next);
    return next;
  }

  delete(resource: ApiResource, namespace: string, name: string, options: DeleteOptions = {}): KubeObject {
    const { store, clock } = this.options;
    const object = store.get(resource, namespace, name);
    if (!object) throw notFound(resource, name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== object.metadata.uid) {
      throw conflict(
        resource,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${object.metadata.uid ?? ''}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== object.metadata.resourceVersion) {
      throw conflict(
        resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${object.metadata.resourceVersion ?? ''}`,
      );
    }
    const policy = options.propagationPolicy ?? 'Background';
    const uid = object.metadata.uid ?? '';
    if (policy === 'Orphan') orphanDependents(this.gcPort(), uid);
    const finalizers = [...(object.metadata.finalizers ?? [])];
    const foreground = policy === 'Foreground' && store.dependentsOf(uid).length > 0;
    if (foreground && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (finalizers.length === 0) {
      const final = {
        ...object,
        metadata: { ...object.metadata, resourceVersion: String(store.nextResourceVersion()) },
      };
      this.removeNow(resource, final);
      return final;
    }
    if (object.metadata.deletionTimestamp && finalizers.length === (object.metadata.finalizers ?? []).length)
      return object;
    const terminating: KubeObject = clone(object);
    terminating.metadata.deletionTimestamp ??= formatTimestamp(clock.now());
    terminating.metadata.deletionGracePeriodSeconds = 0;
    terminating.metadata.finalizers = finalizers;
    if (resource.hasGeneration) terminating.metadata.generation = (object.metadata.generation ?? 0) + 1;
    terminating.metadata.resourceVersion = String(store.nextResourceVersion());
    store.put(resource, terminating);
    if (foreground) collectGarbage(this.gcPort(), terminating, 'Foreground');
    return store.get(resource, namespace, name) ?? terminating;
  }

  private mainUpdate(resource: ApiResource, old: KubeObject, input: KubeObject): KubeObject {
    const next = clone(input);
    next.apiVersion = apiVersionOf(resource);
    next.kind = resource.kind;
    const keep = [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'namespace',
    ] as const;
    for (const field of keep) {
      if (old.metadata[field] === undefined) delete next.metadata[field];
      else (next.metadata as Record<string, unknown>)[field] = clone(old.metadata[field]);
    }
    if (old.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid(resource.kind, resource.group, old.metadata.name ?? '', [
          {
            field: 'metadata.finalizers',
            reason: 'FieldValueForbidden',
            detail: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          },
        ]);
      }
    }
    if (resource.statusSubresource) next['status'] = clone(old['status']);
    return next;
  }

  private requireNamespace(namespace: string | undefined): void {
    if (!namespace) throw badRequest('the namespace of the object is required for a namespaced resource');
    const namespaces = this.options.registry.lookup('', 'v1', 'namespaces');
    const found = namespaces && this.options.store.get(namespaces, '', namespace);
    if (!found) throw notFound({ group: '', plural: 'namespaces' }, namespace);
    if (found.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** Deletes for real, then lets the garbage collector act on dependents and waiting foreground owners. */
  private removeNow(resource: ApiResource, final: KubeObject): void {
    this.options.store.remove(resource, final);
    const port = this.gcPort();
    collectGarbage(port, final, 'Background');
    if (resource.group === '' && resource.kind === 'Namespace') deleteNamespaceContents(port, final);
    finishForegroundDeletion(port, final);
  }

  private gcPort() {
    return {
      store: this.options.store,
      update: (resource: ApiResource, object: KubeObject) =>
        this.update(resource, object, { manager: 'garbage-collector' }),
      delete: (resource: ApiResource, object: KubeObject, policy: PropagationPolicy) => {
        this.delete(resource, object.metadata.namespace ?? '', object.metadata.name ?? '', {
          propagationPolicy: policy,
        });
      },
    };
  }
}

/** Anything but metadata (and status, when it is a subresource) changed: what bumps metadata.generation. */
function specChanged(resource: ApiResource, old: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status, ...rest } = o;
    return resource.statusSubresource ? rest : { ...rest, status };
  };
  return !deepEqual(strip(old), strip(next));
}
