import type { IncomingMessage } from 'node:http';
import { RouterError } from '../../protocol/router-error.js';
import type { BufferHold } from '../../serve/buffer-budget.js';

export interface BodyLimits {
  maxBytes: number;
  /** Time allowed for the whole body once the headers are in. */
  timeoutMs: number;
}

/**
 * Reads the whole body, refusing early (by Content-Length or while streaming) once it passes `maxBytes` (413), and
 * refusing a body that does not end in time (408). Its bytes are taken from the router's budget (`hold`) before
 * they are buffered: the declared length up front, the rest of a chunked body as it comes (429/503 past it). Plain
 * 'data'/'end' listeners: the stream's async iterator costs several allocations per request.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits, hold: BufferHold): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxBytes)
    return Promise.reject(new RouterError('too_large', `request body exceeds ${limits.maxBytes} bytes`));
  let taken = 0;
  try {
    if (declared > 0) hold.take((taken = declared));
  } catch (err) {
    hold.bodyDone();
    return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err: RouterError | Error) => {
      clearTimeout(timer);
      hold.bodyDone();
      req.off('data', onData);
      req.pause();
      reject(err);
    };
    const timer = setTimeout(
      () => stop(new RouterError('request_timeout', `the request body did not arrive within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes)
        return stop(new RouterError('too_large', `request body exceeds ${limits.maxBytes} bytes`));
      if (size > taken) {
        try {
          hold.take(size - taken);
        } catch (err) {
          return stop(err as RouterError);
        }
        taken = size;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      hold.bodyDone();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.once('error', stop);
    // A client that disconnects mid-body: 'end' never comes; the caller's close handler aborts the request.
    req.once('aborted', () => stop(new Error('the client closed the connection while sending the body')));
  });
}
