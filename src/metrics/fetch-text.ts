import { request } from 'undici';
import type { Dispatcher } from 'undici';

/** GETs a page of text; rejects on network errors, non-2xx answers and timeouts. */
export type FetchText = (url: string, timeoutMs: number) => Promise<string>;

/** FetchText over a shared undici dispatcher (keep-alive to every exporter and engine). */
export function undiciFetchText(dispatcher: Dispatcher): FetchText {
  return async (url, timeoutMs) => {
    const res = await request(url, {
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode} from ${url}`);
    return text;
  };
}
