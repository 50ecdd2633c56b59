import type { Clock } from './clock.js';
import {
  refOf,
  type ApplyOptions,
  type EventInput,
  type KubeClient,
  type KubeObject,
  type ListQuery,
  type ListResult,
  type ObjectReader,
  type ObjectRef,
} from './types.js';

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
  /** What the cache showed just before the write (undefined: not there). */
  baseResourceVersion: string | undefined;
  at: number;
}

function identity(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function identityOf(obj: KubeObject): string {
  return identity(refOf(obj));
}

/**
 * Lets a controller read its own writes before the watch delivers them (the "expectations" of Kubernetes'
 * controllers). Without it, a reconcile that runs between our write and its watch event sees the old object and
 * writes the same change again. A write overrides the cache only while the cache still shows the version it showed
 * before the write: as soon as the cache moves on (our write's event, or anyone's later change) the cache wins. So
 * a watch event that overtakes the write's own response, or a no-op write that yields no event, never hides a
 * later change by someone else. Resource versions are only compared for equality, as Kubernetes asks.
 */
export class ReadYourWrites implements KubeClient {
  private readonly remembered = new Map<string, Remembered>();
  private lastSweep = 0;
  /** Cached reads overlaid with our own recent writes. */
  readonly reader: ObjectReader = {
    get: <T extends KubeObject>(ref: ObjectRef) => this.readOne<T>(ref),
    list: <T extends KubeObject>(query: ListQuery) => this.readMany<T>(query),
  };

  constructor(private readonly options: ReadYourWritesOptions) {}

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
    const entry = this.fresh(identity(ref), cached);
    return entry ? (entry.obj as T | undefined) : cached;
  }

  private async readMany<T extends KubeObject>(query: ListQuery): Promise<T[]> {
    const cached = await this.options.reader.list<T>(query);
    return cached.flatMap((obj) => {
      const entry = this.fresh(identityOf(obj), obj);
      if (!entry) return [obj];
      return entry.obj ? [entry.obj as T] : [];
    });
  }

  apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T> {
    return this.write(refOf(obj), () => this.options.client.apply<T>(obj, options));
  }

  patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T> {
    return this.write(ref, () => this.options.client.patchStatus<T>(ref, status));
  }

  create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    return this.write(refOf(obj), () => this.options.client.create<T>(obj));
  }

  replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    return this.write(refOf(obj), () => this.options.client.replace<T>(obj));
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    let deleted = false;
    await this.write(ref, async () => {
      deleted = await this.options.client.delete(ref);
      return undefined;
    });
    return deleted;
  }

  createEvent(event: EventInput): Promise<void> {
    return this.options.client.createEvent(event);
  }

  /** Runs a write and remembers its result against the version the cache showed before it. */
  private async write<T extends KubeObject | undefined>(ref: ObjectRef, run: () => Promise<T>): Promise<T> {
    const before = await this.options.reader.get(ref);
    const obj = await run();
    const now = this.options.clock.now();
    this.remembered.set(identity(ref), { obj, baseResourceVersion: before?.metadata.resourceVersion, at: now });
    this.sweep(now);
    return obj;
  }

  /** Forgets expired writes that were never read again (pruned objects, deleted policies), once per TTL. */
  private sweep(now: number): void {
    const ttl = this.options.ttlMs ?? 30_000;
    if (now - this.lastSweep < ttl) return;
    this.lastSweep = now;
    for (const [id, entry] of this.remembered) if (now - entry.at > ttl) this.remembered.delete(id);
  }

  /** The remembered write for `id` if it still overrides `cached`; forgets it once the cache has moved on. */
  private fresh(id: string, cached: KubeObject | undefined): Remembered | undefined {
    const entry = this.remembered.get(id);
    if (!entry) return undefined;
    const expired = this.options.clock.now() - entry.at > (this.options.ttlMs ?? 30_000);
    if (expired || cached?.metadata.resourceVersion !== entry.baseResourceVersion) {
      this.remembered.delete(id);
      return undefined;
    }
    return entry;
  }
}
