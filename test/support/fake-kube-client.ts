/**
 * In-memory stand-in for the KubeClient and ObjectReader ports, for reconciler unit tests. It records every
 * write (so tests can assert "zero writes") and every event, and mimics the API server where the controller
 * depends on it: resourceVersion and generation, server-side apply merging into the live object, conditional
 * replace, owner-reference cascade on delete.
 */
import { isDeepStrictEqual } from 'node:util';
import { matchesLabelSelector } from '../../src/kube/label-selector.js';
import {
  KubeApiError,
  type ApplyOptions,
  type EventInput,
  type KubeClient,
  type KubeObject,
  type ListQuery,
  type ListResult,
  type ObjectReader,
  type ObjectRef,
} from '../../src/kube/types.js';

export interface RecordedAction {
  verb: 'apply' | 'patchStatus' | 'create' | 'replace' | 'delete';
  kind: string;
  namespace?: string;
  name: string;
  fieldManager?: string;
}

type Json = Record<string, unknown>;

export class FakeKubeClient implements KubeClient {
  readonly actions: RecordedAction[] = [];
  readonly events: EventInput[] = [];
  /** Errors to throw from the next write calls, in order. */
  readonly failNextWrites: KubeApiError[] = [];
  private readonly objects = new Map<string, KubeObject>();
  /** Reads straight from the store, standing in for the informer caches. */
  readonly reader: ObjectReader = {
    get: <T extends KubeObject>(ref: ObjectRef) => this.get<T>(ref),
    list: async <T extends KubeObject>(query: ListQuery) => (await this.list<T>(query)).items,
  };
  private revision = 0;
  private uids = 0;

  /** Test setup: stores an object as if some other actor created it; not recorded as an action. */
  seed<T extends KubeObject>(obj: T): T {
    const stored = this.store(clone(obj), undefined);
    return clone(stored) as T;
  }

  /** Test setup: sets an object's status (as the Deployment controller would); not recorded. */
  setStatus(ref: ObjectRef, status: unknown): void {
    const live = this.mustGet(ref);
    this.store({ ...live, status } as KubeObject, live);
  }

  /** Test setup: changes an object's fields as a person with kubectl edit would; not recorded. */
  edit(ref: ObjectRef, change: (obj: Json) => void): void {
    const live = clone(this.mustGet(ref)) as unknown as Json;
    change(live);
    this.store(live as unknown as KubeObject, this.mustGet(ref));
  }

  writes(): RecordedAction[] {
    return this.actions.filter((a) => a.verb !== 'patchStatus');
  }

  all(kind?: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => !kind || o.kind === kind).map(clone);
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const found = this.objects.get(keyOf(ref));
    return found ? (clone(found) as T) : undefined;
  }

  async list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<ListResult<T>> {
    const items = [...this.objects.values()]
      .filter((o) => o.apiVersion === query.apiVersion && o.kind === query.kind)
      .filter((o) => !query.namespace || o.metadata.namespace === query.namespace)
      .filter((o) => matchesLabelSelector(o.metadata.labels, query.labelSelector))
      .map((o) => clone(o) as T);
    return { items, resourceVersion: String(this.revision) };
  }

  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T> {
    this.record('apply', obj, options.fieldManager);
    const live = this.objects.get(keyOf(obj));
    const merged = live ? (merge(clone(live), clone(obj)) as KubeObject) : clone(obj);
    return clone(this.store(merged, live)) as T;
  }

  async patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T> {
    this.record('patchStatus', ref);
    const live = this.mustGet(ref);
    const next = {
      ...live,
      status: merge(clone((live as unknown as Json)['status'] ?? {}), clone(status)),
    } as KubeObject;
    return clone(this.store(next, live)) as T;
  }

  async create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    this.record('create', obj);
    if (this.objects.has(keyOf(obj)))
      throw new KubeApiError(`${obj.kind} ${obj.metadata.name} already exists`, 409, 'AlreadyExists');
    return clone(this.store(clone(obj), undefined)) as T;
  }

  async replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    this.record('replace', obj);
    const live = this.mustGet(obj);
    if (obj.metadata.resourceVersion !== live.metadata.resourceVersion) {
      throw new KubeApiError('the object has been modified', 409, 'Conflict');
    }
    return clone(this.store(clone(obj), live)) as T;
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    this.record('delete', ref);
    const live = this.objects.get(keyOf(ref));
    if (!live) return false;
    this.objects.delete(keyOf(ref));
    // Garbage collection: dependents go with their owner.
    for (const dependent of [...this.objects.values()]) {
      if (dependent.metadata.ownerReferences?.some((o) => o.uid === live.metadata.uid))
        this.objects.delete(keyOf(dependent));
    }
    return true;
  }

  async createEvent(event: EventInput): Promise<void> {
    this.events.push(clone(event));
  }

  private record(verb: RecordedAction['verb'], ref: ObjectRef | KubeObject, fieldManager?: string): void {
    const meta = 'metadata' in ref ? ref.metadata : ref;
    this.actions.push({
      verb,
      kind: ref.kind,
      namespace: meta.namespace,
      name: meta.name,
      ...(fieldManager ? { fieldManager } : {}),
    });
    const failure = this.failNextWrites.shift();
    if (failure) throw failure;
  }

  private mustGet(ref: ObjectRef | KubeObject): KubeObject {
    const found = this.objects.get(keyOf(ref));
    if (!found) throw new KubeApiError(`${ref.kind} not found`, 404, 'NotFound');
    return found;
  }

  private store(next: KubeObject, previous: KubeObject | undefined): KubeObject {
    if (previous && isDeepStrictEqual(next, previous)) return previous;
    const meta = next.metadata;
    meta.uid = previous?.metadata.uid ?? meta.uid ?? `uid-${++this.uids}`;
    meta.resourceVersion = String(++this.revision);
    const specChanged =
      !previous || !isDeepStrictEqual((next as unknown as Json)['spec'], (previous as unknown as Json)['spec']);
    meta.generation = (previous?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    this.objects.set(keyOf(next), next);
    return next;
  }
}

function keyOf(ref: ObjectRef | KubeObject): string {
  const meta = 'metadata' in ref ? ref.metadata : ref;
  return `${ref.apiVersion}/${ref.kind}/${meta.namespace ?? ''}/${meta.name}`;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** JSON merge: objects merge key by key, anything else (lists included) is replaced. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return patch;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(base[k], v);
  return out;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
