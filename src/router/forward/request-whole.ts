import type { Dispatcher } from 'undici';
import type { Cancellation } from './cancellation.js';

export interface WholeAnswer {
  statusCode: number;
  contentType: string;
  body: Buffer;
}

export class RequestCancelledError extends Error {
  constructor() {
    super('the attempt was cancelled');
    this.name = 'RequestCancelledError';
  }
}

/**
 * One request whose answer is read whole, through undici's dispatch with a collecting handler: request() builds a
 * Readable stream per answer, which costs more than the bytes of a short answer do.
 */
export function requestWhole(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  cancel: Cancellation,
): Promise<WholeAnswer> {
  return new Promise((resolve, reject) => {
    if (cancel.aborted) return reject(new RequestCancelledError());
    let statusCode = 0;
    let contentType = 'application/json';
    let chunks: Buffer[] = [];
    let onAbort: (() => void) | undefined;
    const detach = () => {
      if (onAbort) cancel.off('abort', onAbort);
      onAbort = undefined;
    };
    dispatcher.dispatch(options, {
      onRequestStart(controller) {
        detach();
        if (cancel.aborted) return controller.abort(new RequestCancelledError());
        onAbort = () => controller.abort(new RequestCancelledError());
        cancel.once('abort', onAbort);
      },
      onResponseStart(_controller, code, headers) {
        statusCode = code;
        chunks = [];
        const type = headers['content-type'];
        if (type !== undefined) contentType = String(type);
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        detach();
        resolve({ statusCode, contentType, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
      },
      onResponseError(_controller, err) {
        detach();
        reject(err);
      },
    });
  });
}
