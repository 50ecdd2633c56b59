import { expired } from './errors.js';
import type { EventLog } from './event-log.js';
import { apiVersionOf, type ApiResource, storageKeyOf } from './resources.js';
import { matchesSelector, type Selector } from './selectors.js';
import type { ObjectStore, StoreEvent } from './store.js';
import type { Clock, KubeObject } from './types.js';

export interface WatchEventOut {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

/** Where a watch's events go (the HTTP response); close() ends the stream. */
export interface WatchSink {
  send(event: WatchEventOut): void;
  close(): void;
}

export interface WatchRequest {
  resource: ApiResource;
  /** Undefined watches all namespaces. */
  namespace: string | undefined;
  selector: Selector;
  /** As given in the query; empty or "0" starts with the current state as ADDED events. */
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
  sink: WatchSink;
}

interface Watcher {
  request: WatchRequest;
  timers: unknown[];
  intervals: unknown[];
}

export interface WatchHubOptions {
  store: ObjectStore;
  log: EventLog;
  clock: Clock;
  bookmarkIntervalMs: number;
}

/**
 * Serves watches: replays the event log after the asked resourceVersion (or 410 Expired), then streams live store
 * events, turning updates into ADDED/DELETED when an object enters or leaves the selector, with periodic BOOKMARKs.
 */
export class WatchHub {
  private readonly watchers = new Map<string, Set<Watcher>>();

  constructor(private readonly options: WatchHubOptions) {
    options.store.subscribe((event) => {
      options.log.append(event);
      this.deliver(event);
    });
  }

  /** Starts a watch; returns the function that stops it (call it when the client goes away). */
  open(request: WatchRequest): () => void {
    const { store, log, clock, bookmarkIntervalMs } = this.options;
    const { resource, sink } = request;
    const rv = request.resourceVersion;
    if (rv && rv !== '0') {
      const replay = log.since(Number(rv));
      if (replay === 'expired') {
        const error = expired(`too old resource version: ${rv} (${log.oldestServable()})`);
        sink.send({ type: 'ERROR', object: error.status });
        sink.close();
        return () => undefined;
      }
      for (const event of replay)
        if (storageKeyOf(event.resource) === storageKeyOf(resource)) this.send(request, event);
    } else {
      const current = store.list(resource, request.namespace);
      for (const object of current)
        if (matchesSelector(request.selector, object))
          sink.send({ type: 'ADDED', object: this.shown(request, object) });
    }
    const watcher: Watcher = { request, timers: [], intervals: [] };
    const key = storageKeyOf(resource);
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(watcher);
    if (request.allowBookmarks) {
      watcher.intervals.push(
        clock.setInterval(() => sink.send({ type: 'BOOKMARK', object: this.bookmark(resource) }), bookmarkIntervalMs),
      );
    }
    if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) {
      watcher.timers.push(clock.setTimeout(() => this.stop(watcher, true), request.timeoutSeconds * 1000));
    }
    return () => this.stop(watcher, false);
  }

  /** Ends every open watch stream (clients see the connection close and re-watch). */
  closeAll(): void {
    for (const set of this.watchers.values()) for (const watcher of [...set]) this.stop(watcher, true);
  }

  openCount(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  private stop(watcher: Watcher, closeSink: boolean): void {
    const { clock } = this.options;
    for (const t of watcher.timers) clock.clearTimeout(t);
    for (const t of watcher.intervals) clock.clearInterval(t);
    const set = this.watchers.get(storageKeyOf(watcher.request.resource));
    if (!set?.delete(watcher)) return;
    if (closeSink) watcher.request.sink.close();
  }

  private deliver(event: StoreEvent): void {
    const set = this.watchers.get(storageKeyOf(event.resource));
    if (!set) return;
    for (const watcher of set) this.send(watcher.request, event);
  }

  private send(request: WatchRequest, event: StoreEvent): void {
    const namespace = event.object.metadata.namespace ?? '';
    if (request.namespace !== undefined && request.namespace !== namespace) return;
    const type = visibleType(request.selector, event);
    if (type) request.sink.send({ type, object: this.shown(request, event.object) });
  }

  private shown(request: WatchRequest, object: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(request.resource);
    return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
  }

  private bookmark(resource: ApiResource): object {
    return {
      kind: resource.kind,
      apiVersion: apiVersionOf(resource),
      metadata: { resourceVersion: String(this.options.store.currentResourceVersion()) },
    };
  }
}

/** How an event looks through a selector: leaving it is a DELETED, entering it an ADDED. */
function visibleType(selector: Selector, event: StoreEvent): WatchEventOut['type'] | undefined {
  const now = matchesSelector(selector, event.object);
  if (event.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (event.type === 'DELETED')
    return matchesSelector(selector, event.previous ?? event.object) ? 'DELETED' : undefined;
  const before = event.previous ? matchesSelector(selector, event.previous) : false;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  return before ? 'DELETED' : undefined;
}
