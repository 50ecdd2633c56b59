import type { Clock } from './clock.js';
import type { ApplyOptions, EventInput, KubeClient, KubeObject, ListQuery, ListResult, ObjectReader, ObjectRef } from './types.js';

export interface ReadYourWritesOptions {
  client: KubeClient;
  /** Usually informer caches, which lag behind our own writes by one watch event. */
  reader: ObjectReader;
  clock: Clock;
  /** How long a write overrides the cache if its watch event never shows (e.g. skipped by a relist). */
  ttlMs?: number;
}

interface Remembered {
  /** The object as our write returned it; undefined after a delete. */
  obj: KubeObject | undefined;
  resourceVersion: string | undefined;
  at: number;
}

function identity(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function identityOf(obj: KubeObject): string {
  return identity({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });
}

/**
 * Lets a controller read its own writes before the watch delivers them (the "expectations" of Kubernetes'
 * controllers). Without it, a reconcile that runs between our write and its watch event sees the old object and
 * writes the same change again. Each write is remembered until the cache shows that version (observe()) or the
 * TTL passes; reads until then return the written object.
 */
export class ReadYourWrites implements KubeClient {
  private readonly remembered = new Map<string, Remembered>();
  /** Cached reads overlaid with our own recent writes. */
  readonly reader: ObjectReader = {
    get: <T extends KubeObject>(ref: ObjectRef) => this.readOne<T>(ref),
    list: <T extends KubeObject>(query: ListQuery) => this.readMany<T>(query),
  };

  constructor(private readonly options: ReadYourWritesOptions) {}

  /** Feed every object the informers see (add/update), and deletions with deleted = true. */
  observe(obj: KubeObject, deleted = false): void {
    const id = identityOf(obj);
    const entry = this.remembered.get(id);
    if (!entry) return;
    if (deleted ? entry.obj === undefined : entry.resourceVersion === obj.metadata.resourceVersion) this.remembered.delete(id);
  }

  /** Straight from the API server. */
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return this.options.client.get<T>(ref);
  }

  /** Straight from the API server. */
  list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<ListResult<T>> {
    return this.options.client.list<T>(query);
  }

  private async readOne<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const cached = await this.options.reader.get<T>(ref);
    const entry = this.fresh(identity(ref));
    if (!entry) return cached;
    return entry.obj as T | undefined;
  }

  private async readMany<T extends KubeObject>(query: ListQuery): Promise<T[]> {
    const cached = await this.options.reader.list<T>(query);
    return cached.flatMap((obj) => {
      const entry = this.fresh(identityOf(obj));
      if (!entry) return [obj];
      return entry.obj ? [entry.obj as T] : [];
    });
  }

  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T> {
    return this.remember(await this.options.client.apply<T>(obj, options));
  }

  async patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T> {
    return this.remember(await this.options.client.patchStatus<T>(ref, status));
  }

  async create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    return this.remember(await this.options.client.create<T>(obj));
  }

  async replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    return this.remember(await this.options.client.replace<T>(obj));
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    const deleted = await this.options.client.delete(ref);
    this.remembered.set(identity(ref), { obj: undefined, resourceVersion: undefined, at: this.options.clock.now() });
    return deleted;
  }

  createEvent(event: EventInput): Promise<void> {
    return this.options.client.createEvent(event);
  }

  private remember<T extends KubeObject>(obj: T): T {
    this.remembered.set(identityOf(obj), { obj, resourceVersion: obj.metadata.resourceVersion, at: this.options.clock.now() });
    return obj;
  }

  private fresh(id: string): Remembered | undefined {
    const entry = this.remembered.get(id);
    if (!entry) return undefined;
    if (this.options.clock.now() - entry.at > (this.options.ttlMs ?? 30_000)) {
      this.remembered.delete(id);
      return undefined;
    }
    return entry;
  }
}
