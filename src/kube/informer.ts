import type { Logger } from '../observability/logger.js';
import { backoffDelay, DEFAULT_WATCH_BACKOFF, type BackoffOptions } from './backoff.js';
import { sleep, type Clock } from './clock.js';
import { matchesLabelSelector } from './label-selector.js';
import { objectKey, type KubeApiError, type KubeObject, type ListQuery } from './types.js';
import type { WatchEventType, WatchSource } from './watch-source.js';

export interface InformerHandlers {
  add?(obj: KubeObject): void;
  update?(oldObj: KubeObject, newObj: KubeObject): void;
  delete?(obj: KubeObject): void;
}

export interface InformerOptions {
  source: WatchSource;
  query: ListQuery;
  clock: Clock;
  logger: Logger;
  backoff?: BackoffOptions;
  /** A watch that lasts this long counts as healthy, so the next failure starts the backoff over. */
  healthyWatchMs?: number;
  random?: () => number;
}

interface WatchEnd {
  error?: KubeApiError;
  events: number;
}

/**
 * Keeps a cache of one kind in sync with the API server by list + watch, and tells handlers what changed.
 * Unlike client-node's ListWatch it never gives up: any failure (reset connection, 5xx, dropped watch) restarts
 * the watch from the last resourceVersion after exponential backoff with jitter, and an expired version (410)
 * relists, reporting objects that changed or vanished meanwhile.
 */
export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  /** The same objects by namespace, so a reconcile's per-namespace lists do not scan the whole cluster. */
  private readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  private readonly handlers: InformerHandlers[] = [];
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private synced = false;
  private running: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly options: InformerOptions) {}

  on(handlers: InformerHandlers): void {
    this.handlers.push(handlers);
  }

  /** True once the first list has filled the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.stopWatch?.();
    await this.running;
  }

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string, labelSelector?: string): KubeObject[] {
    const scope = namespace ? (this.byNamespace.get(namespace)?.values() ?? []) : this.cache.values();
    return [...scope].filter((o) => matchesLabelSelector(o.metadata.labels, labelSelector));
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    const { clock, logger, query } = this.options;
    let failures = 0;
    let needList = true;
    while (!this.stopped) {
      const startedAt = clock.now();
      let end: WatchEnd;
      try {
        if (needList) await this.relist();
        needList = false;
        end = await this.watchOnce();
      } catch (err) {
        end = { error: err as KubeApiError, events: 0 };
      }
      if (this.stopped) break;
      if (end.error?.status === 410) {
        // Our resourceVersion was compacted away: only a fresh list can tell us what we missed.
        logger.info('watch expired; relisting', { kind: query.kind });
        needList = true;
        failures = 0;
        continue;
      }
      const healthy = end.events > 0 || clock.now() - startedAt >= (this.options.healthyWatchMs ?? 10_000);
      failures = healthy ? (end.error ? 1 : 0) : failures + 1;
      if (failures === 0) continue;
      const delay = backoffDelay(failures - 1, this.options.backoff ?? DEFAULT_WATCH_BACKOFF, this.options.random);
      logger.warn('watch interrupted; restarting', {
        kind: query.kind,
        error: end.error?.message,
        delayMs: delay,
        attempt: failures,
      });
      await sleep(clock, delay, this.stopController.signal);
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.options.source.list(this.options.query);
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj.metadata));
      this.upsert(obj);
    }
    for (const [key, obj] of this.cache) {
      if (!seen.has(key)) this.remove(obj);
    }
    this.resourceVersion = resourceVersion;
    this.synced = true;
  }

  private watchOnce(): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve, reject) => {
      let events = 0;
      let ended = false;
      const finish = (error?: KubeApiError) => {
        if (ended) return;
        ended = true;
        this.stopWatch = undefined;
        resolve({ error, events });
      };
      this.options.source
        .watch(this.options.query, this.resourceVersion, {
          onEvent: (type, obj) => {
            events++;
            this.apply(type, obj);
          },
          onClose: finish,
        })
        .then((stop) => {
          if (ended) return;
          this.stopWatch = () => {
            stop();
            finish();
          };
          if (this.stopped) this.stopWatch();
        }, reject);
    });
  }

  private apply(type: WatchEventType, obj: KubeObject): void {
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (type === 'BOOKMARK') return;
    if (type === 'DELETED') this.remove(obj);
    else this.upsert(obj);
  }

  private upsert(obj: KubeObject): void {
    const key = objectKey(obj.metadata);
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    const namespace = obj.metadata.namespace ?? '';
    let inNamespace = this.byNamespace.get(namespace);
    if (!inNamespace) this.byNamespace.set(namespace, (inNamespace = new Map()));
    inNamespace.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  private remove(obj: KubeObject): void {
    const key = objectKey(obj.metadata);
    const old = this.cache.get(key) ?? obj;
    if (!this.cache.delete(key)) return;
    this.byNamespace.get(old.metadata.namespace ?? '')?.delete(key);
    for (const h of this.handlers) h.delete?.(old);
  }
}
