import type { Dispatcher } from 'undici';
import type { Cancellation } from './cancellation.js';
import { requestWhole } from './request-whole.js';

/** Why one attempt at one pod failed before its answer's first byte; each is worth another pod. */
export type AttemptFailure =
  'connect' | 'status_5xx' | 'empty' | 'first_byte_timeout' | 'generation_timeout' | 'aborted' | 'other';

/**
 * An attempt failed. `message` is for the log only: it names addresses. Clients get the request path's own
 * message (protocol/router-error.ts).
 */
export class AttemptFailedError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AttemptFailedError';
  }
}

/** An engine answer whose first body byte has arrived. */
export interface EngineAnswer {
  statusCode: number;
  contentType: string;
  first: Buffer;
  /** The rest of a streamed answer; done at once for a whole one. */
  rest: AsyncIterator<Buffer>;
  /** Releases the upstream socket; call once when done or on error. */
  close: () => void;
}

export interface AttemptTimeouts {
  /** A streamed answer's first byte (queue + prefill); late means the attempt fails and another pod is tried. */
  firstByteTimeoutMs: number;
  /** Each gap between body chunks of a streamed answer. */
  bodyTimeoutMs: number;
  /**
   * A whole non-streamed answer: vLLM sends its headers only once generation is done, so a first-byte timeout would
   * cut every long generation short.
   */
  generationTimeoutMs: number;
}

export interface Attempt {
  dispatcher: Dispatcher;
  /** The pod's base URL. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Read the whole answer before returning (non-streamed requests): a failure anywhere in it can still move on. */
  whole: boolean;
  signal: Cancellation;
  timeouts: AttemptTimeouts;
}

const DONE: AsyncIterator<Buffer> = { next: async () => ({ done: true, value: undefined }) };
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EPIPE',
]);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function failureOf(err: unknown, whole: boolean, signal: Cancellation): AttemptFailure {
  if (signal.aborted) return signal.reason === 'first_byte_timeout' ? 'first_byte_timeout' : 'aborted';
  const e = err as { code?: string; cause?: { code?: string } };
  if (CONNECT_ERRORS.has(e.code ?? '') || CONNECT_ERRORS.has(e.cause?.code ?? '')) return 'connect';
  if (TIMEOUTS.has(e.code ?? '')) return whole ? 'generation_timeout' : 'first_byte_timeout';
  return 'other';
}

/** Throws for a 5xx or an answer without a body byte: the attempt failed, another pod may answer. */
function checkAnswer(statusCode: number, hasBody: boolean): void {
  if (statusCode >= 500) throw new AttemptFailedError('status_5xx', `engine answered ${statusCode}`);
  if (!hasBody) throw new AttemptFailedError('empty', 'engine closed the answer before the first byte');
}

/**
 * One attempt at one pod, up to the first byte of the answer. Every failure is an AttemptFailedError saying why;
 * after the first byte, the caller owns the stream. Knows nothing about pods, policies or front ends.
 */
export async function sendAttempt(a: Attempt): Promise<EngineAnswer> {
  // origin + path: the top-level request(url) would parse a URL per attempt.
  const options = {
    origin: a.origin,
    path: a.path,
    method: 'POST' as const,
    headers: a.headers,
    body: a.body,
    bodyTimeout: a.timeouts.bodyTimeoutMs,
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    if (a.whole) {
      const answer = await requestWhole(
        a.dispatcher,
        { ...options, headersTimeout: a.timeouts.generationTimeoutMs },
        a.signal,
      );
      checkAnswer(answer.statusCode, answer.body.length > 0);
      return {
        statusCode: answer.statusCode,
        contentType: answer.contentType,
        first: answer.body,
        rest: DONE,
        close: () => undefined,
      };
    }
    timer = setTimeout(() => a.signal.abort('first_byte_timeout'), a.timeouts.firstByteTimeoutMs);
    const res = await a.dispatcher.request({
      ...options,
      headersTimeout: a.timeouts.firstByteTimeoutMs,
      signal: a.signal,
    });
    if (res.statusCode >= 500) await res.body.dump();
    checkAnswer(res.statusCode, true);
    const rest = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: IteratorResult<Buffer>;
    try {
      first = await rest.next();
    } catch (err) {
      res.body.destroy();
      throw err;
    }
    clearTimeout(timer);
    checkAnswer(res.statusCode, !first.done);
    return {
      statusCode: res.statusCode,
      contentType: String(res.headers['content-type'] ?? 'application/json'),
      first: first.value as Buffer,
      rest,
      close: () => res.body.destroy(),
    };
  } catch (err) {
    clearTimeout(timer);
    if (err instanceof AttemptFailedError) throw err;
    throw new AttemptFailedError(failureOf(err, a.whole, a.signal), (err as Error).message);
  }
}
