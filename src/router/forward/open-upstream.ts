import { status } from '@grpc/grpc-js';
import type { Dispatcher } from 'undici';
import type { Routed } from '../core/router-core.js';
import type { PodRecord } from '../discovery/endpoint.js';
import type { Cancellation } from './cancellation.js';
import { requestWhole } from './request-whole.js';
import { HINT_HEADERS } from '../classify/hints.js';

export interface UpstreamOptions {
  dispatcher: Dispatcher;
  /** Time allowed for the engine's response headers and for each gap between body chunks. */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /**
   * Time allowed for a whole non-streamed answer: vLLM sends its headers only once generation is done, so the
   * headers timeout would cut every long generation short.
   */
  generationTimeoutMs: number;
  /** Bound on attempts per request (pods and modes together). */
  maxAttempts: number;
  /** How long a pod that refused a connection is skipped. */
  ejectMs: number;
  eject: (pod: PodRecord) => void;
}

/** An engine answer whose first body chunk has arrived: from here on nothing is retried. */
export interface OpenUpstream {
  routed: Routed;
  statusCode: number;
  contentType: string;
  first: Buffer;
  rest: AsyncIterator<Buffer>;
  /** Releases the pod's in-flight slot and the upstream socket; call once when done or on error. */
  close: () => void;
}

/** No mode of the chain could take the request (all guarded or without ready pods): 503, try again shortly. */
export class NoModeAvailableError extends Error {
  constructor(readonly routed: Routed) {
    super('no mode can serve the request now');
    this.name = 'NoModeAvailableError';
  }
}

/** Engines were tried and failed (502), or one took too long (504): the engine's fault, not a lack of capacity. */
export class UpstreamFailedError extends Error {
  readonly http: 502 | 504;
  readonly grpcCode: status;
  constructor(readonly routed: Routed, message: string, timedOut: boolean) {
    super(message);
    this.name = 'UpstreamFailedError';
    this.http = timedOut ? 504 : 502;
    this.grpcCode = timedOut ? status.DEADLINE_EXCEEDED : status.UNAVAILABLE;
  }
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export interface OpenInput {
  path: string;
  /** The JSON sent to the engine; the client's own bytes when nothing in them changes (no re-serialising). */
  body: string | Buffer;
  requestId: string;
  /** Aborted when the client left: the engine request is cancelled and nothing is retried. */
  signal: Cancellation;
  /** Routes (again) with the pods that already failed excluded. */
  route: (exclude: ReadonlySet<string>) => Routed;
  /**
   * Read the whole answer before returning (non-streamed requests): the client sees nothing until the end, so a
   * failure anywhere in the answer can still move to another pod.
   */
  whole: boolean;
}

const DONE: AsyncIterator<Buffer> = { next: async () => ({ done: true, value: undefined }) };

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EPIPE']);

function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return CONNECT_ERRORS.has(e.code ?? '') || CONNECT_ERRORS.has(e.cause?.code ?? '');
}

/** Throws (so the request moves on) for a 5xx or an answer without a body byte. */
function checkAnswer(statusCode: number, hasBody: boolean): void {
  if (statusCode >= 500) throw Object.assign(new Error(`engine answered ${statusCode}`), { code: 'UPSTREAM_5XX' });
  if (!hasBody) throw Object.assign(new Error('engine closed the answer before the first byte'), { code: 'UPSTREAM_EMPTY' });
}

/**
 * Sends the request to the decided pod and waits for the first body byte. Before that byte, a failure (connection
 * error, 5xx, timeout, empty body) moves to the next pod or mode; after it, the caller owns the stream.
 */
export async function openUpstream(input: OpenInput, o: UpstreamOptions): Promise<OpenUpstream> {
  const failed = new Set<string>();
  let lastRouted: Routed | undefined;
  let lastError = '';
  const allFailed = (routed: Routed) => new UpstreamFailedError(routed, `${failed.size} engine attempt(s) failed; last: ${lastError}`, false);
  for (let attempt = 0; attempt < o.maxAttempts; attempt++) {
    const routed = input.route(failed);
    lastRouted = routed;
    const pod = routed.decision.pod?.record;
    if (!pod) throw failed.size > 0 ? allFailed(routed) : new NoModeAvailableError(routed);
    pod.inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        pod.inFlight--;
      }
    };
    try {
      // origin + path: the top-level request(url) would parse a URL per attempt.
      const options = {
        origin: pod.url,
        path: input.path,
        method: 'POST' as const,
        // The request type travels on, under the client hint's own header: vLLM ignores it; the simulator's
        // speculative acceptance depends on it.
        headers: { 'content-type': 'application/json', 'x-request-id': input.requestId, [HINT_HEADERS.type]: routed.features.type },
        body: input.body,
        headersTimeout: input.whole ? o.generationTimeoutMs : o.headersTimeoutMs,
        bodyTimeout: o.bodyTimeoutMs,
      };
      if (input.whole) {
        const answer = await requestWhole(o.dispatcher, options, input.signal);
        checkAnswer(answer.statusCode, answer.body.length > 0);
        return { routed, statusCode: answer.statusCode, contentType: answer.contentType, first: answer.body, rest: DONE, close: release };
      }
      const res = await o.dispatcher.request({ ...options, signal: input.signal });
      if (res.statusCode >= 500) await res.body.dump();
      checkAnswer(res.statusCode, true);
      const rest = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const first = await rest.next();
      checkAnswer(res.statusCode, !first.done);
      return {
        routed,
        statusCode: res.statusCode,
        contentType: String(res.headers['content-type'] ?? 'application/json'),
        first: first.value as Buffer,
        rest,
        close: () => {
          release();
          res.body.destroy();
        },
      };
    } catch (err) {
      release();
      if (input.signal.aborted) throw err;
      // A slow engine may still be generating: starting the same work on another GPU would only double the load.
      if (TIMEOUTS.has((err as { code?: string }).code ?? '')) {
        throw new UpstreamFailedError(routed, `the engine on ${pod.url} did not answer in time (${(err as Error).message})`, true);
      }
      if (isConnectionError(err)) o.eject(pod);
      failed.add(pod.url);
      lastError = (err as Error).message;
    }
  }
  throw allFailed(lastRouted as Routed);
}
