import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { ClientNodeKubeClient } from './client.js';
import { toKubeApiError } from './errors.js';
import type { WatchEventType, WatchHandlers, WatchSource } from './watch-source.js';
import { KubeApiError, type KubeObject, type ListQuery, type ListResult } from './types.js';

export interface ClientNodeWatchSourceOptions {
  kubeConfig: KubeConfig;
  client: ClientNodeKubeClient;
  /** Server-side watch timeout; randomised per watch like client-go so watches do not all end together. */
  minTimeoutSeconds?: number;
}

/** WatchSource over client-node's Watch (raw newline-delimited JSON events). */
export class ClientNodeWatchSource implements WatchSource {
  private readonly watcher: Watch;

  constructor(private readonly options: ClientNodeWatchSourceOptions) {
    this.watcher = new Watch(options.kubeConfig);
  }

  list(query: ListQuery): Promise<ListResult<KubeObject>> {
    return this.options.client.list(query);
  }

  async watch(query: ListQuery, resourceVersion: string, handlers: WatchHandlers): Promise<() => void> {
    const path = await this.pathOf(query);
    const min = this.options.minTimeoutSeconds ?? 300;
    const params = {
      resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: query.labelSelector,
      fieldSelector: query.fieldSelector,
      timeoutSeconds: Math.floor(min + Math.random() * min),
    };
    let stopped = false;
    const controller = await this.watcher.watch(
      path,
      params,
      (type: string, obj: KubeObject) => {
        if (stopped) return;
        if (type === 'ERROR') {
          const status = obj as unknown as { code?: number; message?: string; reason?: string };
          stopped = true;
          handlers.onClose(
            new KubeApiError(
              `watch ${query.kind}: ${status.message ?? 'error event'}`,
              status.code ?? 500,
              status.reason,
            ),
          );
          return;
        }
        handlers.onEvent(type as WatchEventType, { ...obj, apiVersion: query.apiVersion, kind: query.kind });
      },
      (err: unknown) => {
        if (stopped) return;
        stopped = true;
        handlers.onClose(err ? watchError(err, query.kind) : undefined);
      },
    );
    return () => {
      stopped = true;
      controller.abort();
    };
  }

  private async pathOf(query: ListQuery): Promise<string> {
    const { plural, namespaced } = await this.options.client.resourceOf(query.apiVersion, query.kind);
    const base = query.apiVersion.includes('/') ? `/apis/${query.apiVersion}` : `/api/${query.apiVersion}`;
    return namespaced && query.namespace
      ? `${base}/namespaces/${encodeURIComponent(query.namespace)}/${plural}`
      : `${base}/${plural}`;
  }
}

/** client-node reports a non-200 watch response as an Error with statusCode. */
function watchError(err: unknown, kind: string): KubeApiError {
  const statusCode = (err as { statusCode?: number }).statusCode;
  if (typeof statusCode === 'number') return new KubeApiError(`watch ${kind}: HTTP ${statusCode}`, statusCode);
  return toKubeApiError(err, `watch ${kind}`);
}
