import type { IncomingMessage } from 'node:http';
import { RouterError } from '../../protocol/router-error.js';

export interface BodyLimits {
  maxBytes: number;
  /** Time allowed for the whole body once the headers are in. */
  timeoutMs: number;
}

/**
 * Reads the whole body, refusing early (by Content-Length or while streaming) once it passes `maxBytes` (413), and
 * refusing a body that does not end in time (408). Plain 'data'/'end' listeners: the stream's async iterator costs
 * several allocations per request.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxBytes)
    return Promise.reject(new RouterError('too_large', `request body exceeds ${limits.maxBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err: RouterError | Error) => {
      clearTimeout(timer);
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
      if (size <= limits.maxBytes) return void chunks.push(chunk);
      stop(new RouterError('too_large', `request body exceeds ${limits.maxBytes} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.once('error', stop);
    // A client that disconnects mid-body: 'end' never comes; the caller's close handler aborts the request.
    req.once('aborted', () => stop(new Error('the client closed the connection while sending the body')));
  });
}
