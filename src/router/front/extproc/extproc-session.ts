import type {
  ProcessingRequest,
  ProcessingResponse,
} from '../../../gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import type { Usage } from '../../forward/sse.js';
import { RouterError } from '../../protocol/router-error.js';
import { clientKeyOf, type BufferBudget, type BufferHold } from '../../serve/buffer-budget.js';
import { servedEndpointOf, subsetHintOf } from './endpoint-metadata.js';
import {
  headersOf,
  headersResponse,
  errorAnswer,
  immediateResponse,
  routedHeadersResponse,
  streamedBodyResponses,
  trailersResponse,
  type LocalAnswer,
} from './processing-responses.js';
import { ResponseUsage } from './response-usage.js';

/** One HTTP request as the gateway hands it over: what the router needs to decide. */
export interface GatewayRequest {
  method: string;
  path: string;
  /** Lower-cased names; pseudo-headers (`:path`, `:method`) included. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** The endpoints (`ip:port`) the data plane allows; undefined when it sent no subset hint. */
  subset: readonly string[] | undefined;
}

/** How the request ended, for accounting. */
export interface ExchangeResult {
  /** The engine's HTTP status; 499 when the client or the gateway went away first. */
  status: number;
  /** The pod that answered (`ip:port`), as the data plane reports it; undefined when it did not say. */
  servedEndpoint: string | undefined;
  usage: Usage | undefined;
  /** When the response headers came back (ms, the routing clock). */
  firstByteAt: number | undefined;
}

/** A request the router routed: where it goes and how to account for it once the answer is through. */
export interface RoutedExchange {
  /** Ordered `ip:port` list: the pick first, then fallbacks the data plane may retry in order. */
  endpoints: readonly string[];
  /** Request headers to add for the engine. */
  requestHeaders: Readonly<Record<string, string>>;
  /** Request headers the engine must not see. */
  removeRequestHeaders?: readonly string[];
  /** The body to send upstream (the client's, or the router's rewrite of it). */
  body: Uint8Array;
  /** Headers added to the answer (`x-modeswitch-mode`, `x-modeswitch-rule`). */
  responseHeaders: Readonly<Record<string, string>>;
  /** True when the router asked for a stream's usage chunk itself: the client does not see it. */
  hideUsageChunk: boolean;
  /** Called exactly once. */
  finish(result: ExchangeResult): void;
}

export type RouteOutcome = { routed: RoutedExchange } | { refused: LocalAnswer };

/** The router's side of the Endpoint Picker: decide and pick for one request. Synchronous: it runs per request. */
export interface GatewayRouting {
  route(request: GatewayRequest): RouteOutcome;
  /** Request bodies above this are answered 413 without routing. */
  maxRequestBytes: number;
  /** The router's memory budget for request bodies, shared with its other fronts. */
  budget: BufferBudget;
  now(): number;
}

const CANCELLED = 499;
const EMPTY = new Uint8Array(0);

/**
 * Who sent the request, for the budget's per-client share: its API key when it sends one, else the client address
 * the data plane appended last to x-forwarded-for (the one it saw itself). Neither: not known, and the gateway's
 * whole traffic must not share one client's share.
 */
function clientOf(headers: Readonly<Record<string, string>>): string | undefined {
  const forwardedFor = headers['x-forwarded-for']?.split(',').at(-1)?.trim();
  if (!headers['authorization'] && !forwardedFor) return undefined;
  return clientKeyOf(headers['authorization'], forwardedFor);
}

type State = 'awaiting-headers' | 'reading-body' | 'routed' | 'answered' | 'done';

/**
 * One ext_proc stream (one HTTP request through the gateway) in FULL_DUPLEX_STREAMED body mode, as a pure state
 * machine: each ProcessingRequest in, the ProcessingResponses to send back out. The request headers are answered
 * only once the whole body is in (the body decides the mode); then the destination goes back in the headers
 * response and the body is streamed back. The response path passes through with usage counted.
 */
export class ExtProcSession {
  private state: State = 'awaiting-headers';
  private headers: Record<string, string> = {};
  private subset: string[] | undefined;
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private exchange: RoutedExchange | undefined;
  private usage: ResponseUsage | undefined;
  private status = 0;
  private served: string | undefined;
  private firstByteAt: number | undefined;
  /** The request body's share of the router's memory budget, while the body is buffered here. */
  private hold: BufferHold | undefined;

  constructor(private readonly routing: GatewayRouting) {}

  onRequest(req: ProcessingRequest): ProcessingResponse[] {
    // The hint and the served endpoint may ride on any message; take them where they first appear.
    this.served ??= servedEndpointOf(req.metadataContext);
    const r = req.request;
    switch (r.case) {
      case 'requestHeaders':
        if (this.state !== 'awaiting-headers') return [];
        this.headers = headersOf(r.value.headers);
        this.subset = subsetHintOf(req.metadataContext);
        if (r.value.endOfStream) return this.decide(false, true);
        try {
          this.hold = this.routing.budget.open(clientOf(this.headers));
        } catch (err) {
          return this.answer(errorAnswer(err as RouterError));
        }
        this.state = 'reading-body';
        return [];
      case 'requestBody':
        if (this.state === 'awaiting-headers')
          return this.answer(
            errorAnswer(new RouterError('invalid_argument', 'the request body came before the request headers')),
          );
        if (this.state !== 'reading-body') return [];
        this.subset ??= subsetHintOf(req.metadataContext);
        this.size += r.value.body.length;
        if (this.size > this.routing.maxRequestBytes) return this.answer(tooLarge(this.routing.maxRequestBytes));
        try {
          this.hold?.take(r.value.body.length);
        } catch (err) {
          return this.answer(errorAnswer(err as RouterError));
        }
        this.chunks.push(r.value.body);
        return r.value.endOfStream ? this.decide(true, true) : [];
      case 'requestTrailers':
        // Trailers end the body without an end-of-stream chunk.
        if (this.state !== 'reading-body') return [trailersResponse('requestTrailers')];
        return this.decide(true, false).concat(this.exchange ? [trailersResponse('requestTrailers')] : []);
      case 'responseHeaders':
        return this.onResponseHeaders(headersOf(r.value.headers), r.value.endOfStream);
      case 'responseBody':
        return this.onResponseBody(r.value.body, r.value.endOfStream);
      case 'responseTrailers':
        return this.onResponseTrailers();
      default:
        return [];
    }
  }

  /**
   * The stream ended before the answer did: counted as 499, whether it was reset (client gone, gateway reset) or
   * closed by the data plane before the response came (Envoy closes its side when the client leaves first).
   */
  onStreamEnd(): void {
    this.releaseBody();
    if (this.state === 'routed') this.finish(CANCELLED);
    this.state = 'done';
  }

  /** True until the request (headers and body) is in and answered: the part a request timeout bounds. */
  get readingRequest(): boolean {
    return this.state === 'awaiting-headers' || this.state === 'reading-body';
  }

  /** The request did not arrive in time: a 408 while it is still being read; nothing once it is in. */
  timeOut(timeoutMs: number): ProcessingResponse[] {
    if (!this.readingRequest) return [];
    return this.answer(
      errorAnswer(new RouterError('request_timeout', `the request did not arrive within ${timeoutMs} ms`)),
    );
  }

  private releaseBody(): void {
    this.chunks.length = 0;
    this.hold?.release();
    this.hold = undefined;
  }

  private decide(hadBody: boolean, bodyEnded: boolean): ProcessingResponse[] {
    const body = concat(this.chunks, this.size);
    this.releaseBody();
    const outcome = this.routing.route({
      method: this.headers[':method'] ?? 'GET',
      path: this.headers[':path'] ?? '/',
      headers: this.headers,
      body,
      subset: this.subset,
    });
    if ('refused' in outcome) return this.answer(outcome.refused);
    const x = outcome.routed;
    // The body goes back to the data plane below; the stream, which may last minutes, keeps none of it.
    this.exchange = { ...x, body: EMPTY };
    this.state = 'routed';
    const set: Record<string, string> = { ...x.requestHeaders };
    const remove: string[] = [...(x.removeRequestHeaders ?? [])];
    if (x.body.length !== body.length) {
      // A rewritten body changes its length; a stale content-length would cut it or hang the engine.
      if ('content-length' in this.headers) set['content-length'] = String(x.body.length);
      else remove.push('content-length');
    }
    const out = [routedHeadersResponse(x.endpoints, set, remove)];
    if (hadBody) out.push(...streamedBodyResponses('requestBody', x.body, bodyEnded));
    return out;
  }

  private answer(local: LocalAnswer): ProcessingResponse[] {
    this.state = 'answered';
    this.releaseBody();
    return [immediateResponse(local)];
  }

  private onResponseHeaders(headers: Record<string, string>, endOfStream: boolean): ProcessingResponse[] {
    if (this.state !== 'routed' || !this.exchange) return [headersResponse('responseHeaders')];
    this.status = Number(headers[':status'] ?? 0);
    this.firstByteAt = this.routing.now();
    this.usage = new ResponseUsage(headers['content-type'] ?? '', this.exchange.hideUsageChunk);
    const out = [headersResponse('responseHeaders', this.exchange.responseHeaders)];
    if (endOfStream) this.finish(this.status);
    return out;
  }

  private onResponseBody(chunk: Uint8Array, endOfStream: boolean): ProcessingResponse[] {
    const usage = this.usage;
    if (!usage) return streamedBodyResponses('responseBody', chunk, endOfStream);
    let passed = usage.push(chunk);
    if (endOfStream) {
      passed = concat([passed, usage.end()]);
      this.finish(this.status);
    }
    return passed.length > 0 || endOfStream ? streamedBodyResponses('responseBody', passed, endOfStream) : [];
  }

  private onResponseTrailers(): ProcessingResponse[] {
    const rest = this.usage?.end();
    const out = rest && rest.length > 0 ? streamedBodyResponses('responseBody', rest, false) : [];
    if (this.state === 'routed') this.finish(this.status);
    return [...out, trailersResponse('responseTrailers')];
  }

  private finish(status: number): void {
    const x = this.exchange;
    if (!x || this.state !== 'routed') return;
    this.state = 'done';
    x.finish({ status, servedEndpoint: this.served, usage: this.usage?.usage, firstByteAt: this.firstByteAt });
  }
}

function tooLarge(limit: number): LocalAnswer {
  return {
    status: 413,
    error: {
      message: `the request body is larger than ${limit} bytes`,
      type: 'invalid_request_error',
      param: null,
      code: 'request_too_large',
    },
  };
}

function concat(chunks: readonly Uint8Array[], size = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
