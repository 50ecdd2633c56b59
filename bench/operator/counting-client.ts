import type {
  ApplyOptions,
  EventInput,
  KubeClient,
  KubeObject,
  ListQuery,
  ListResult,
  ObjectRef,
} from '../../src/kube/types.js';

export type WriteVerb = 'apply' | 'patchStatus' | 'create' | 'replace' | 'delete' | 'event';

/** Counts the writes the operator issues, by call, while passing every call through to the real client. */
export class CountingClient implements KubeClient {
  readonly writes: Record<WriteVerb, number> = { apply: 0, patchStatus: 0, create: 0, replace: 0, delete: 0, event: 0 };

  constructor(private readonly inner: KubeClient) {}

  total(): number {
    return Object.values(this.writes).reduce((a, b) => a + b, 0);
  }

  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return this.inner.get<T>(ref);
  }

  list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<ListResult<T>> {
    return this.inner.list<T>(query);
  }

  apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T> {
    this.writes.apply++;
    return this.inner.apply<T>(obj, options);
  }

  patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T> {
    this.writes.patchStatus++;
    return this.inner.patchStatus<T>(ref, status);
  }

  create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    this.writes.create++;
    return this.inner.create<T>(obj);
  }

  replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    this.writes.replace++;
    return this.inner.replace<T>(obj);
  }

  delete(ref: ObjectRef): Promise<boolean> {
    this.writes.delete++;
    return this.inner.delete(ref);
  }

  createEvent(event: EventInput): Promise<void> {
    this.writes.event++;
    return this.inner.createEvent(event);
  }
}
