import type { KubeApiError, KubeObject, ListQuery, ListResult } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchHandlers {
  onEvent(type: WatchEventType, obj: KubeObject): void;
  /** The watch ended: cleanly (no error), with an error, or with status 410 when its resourceVersion expired. */
  onClose(err?: KubeApiError): void;
}

/** List and watch of one kind: what an informer needs from the API server. */
export interface WatchSource {
  list(query: ListQuery): Promise<ListResult<KubeObject>>;
  /** Starts a watch from resourceVersion; resolves to a function that stops it (onClose is then not called). */
  watch(query: ListQuery, resourceVersion: string, handlers: WatchHandlers): Promise<() => void>;
}
