import type { Routed } from '../decide/routed.js';

/**
 * Why a request failed, independent of the protocol it came in on. Each front end maps a code to its own status
 * (http-status.ts, grpc-status.ts); nothing below the front ends knows HTTP or gRPC status numbers.
 */
export type ErrorCode =
  /** A malformed or wrong-typed request (HTTP 400, INVALID_ARGUMENT). */
  | 'invalid_argument'
  /** No API key, or one the router does not know, on a router that takes client keys (401, UNAUTHENTICATED). */
  | 'unauthenticated'
  /** A client key the policy does not trust asked for what only trusted clients get (403, PERMISSION_DENIED). */
  | 'permission_denied'
  /** The model asked for is not the one this router serves (404, NOT_FOUND). */
  | 'model_not_found'
  /** The body or message is over the size limit (413, RESOURCE_EXHAUSTED). */
  | 'too_large'
  /** The client did not finish sending its request in time (408, DEADLINE_EXCEEDED). */
  | 'request_timeout'
  /** The router's budget for request bodies is spent: too many bytes or bodies in flight (503, RESOURCE_EXHAUSTED). */
  | 'overloaded'
  /** This client's share of that budget is spent (429, RESOURCE_EXHAUSTED); other clients are still served. */
  | 'client_over_budget'
  /** No policy is loaded yet, or no mode can take the request now (503, UNAVAILABLE). */
  | 'unavailable'
  /** The engine refused the request (its own 4xx, passed on; INVALID_ARGUMENT). */
  | 'engine_refused'
  /** Engines failed before answering, or the answer broke after it started (502, UNAVAILABLE). */
  | 'upstream_failed'
  /** An engine took longer than allowed (504, DEADLINE_EXCEEDED). */
  | 'upstream_timeout'
  /** The client went away (counted as 499, CANCELLED; nothing is sent). */
  | 'cancelled'
  /** A fault of the router itself (500, INTERNAL); details only in its log. */
  | 'internal';

export interface EngineRefusal {
  status: number;
  contentType: string;
  body: Buffer;
}

/** The one error type of the request path. Its message is safe to show a client: no internal address, no pod name. */
export class RouterError extends Error {
  /** Request field or header at fault (OpenAI's `param`). */
  param?: string;
  /** The decision, once one was made: fronts report the mode it chose. */
  routed?: Routed;
  /** For 'unavailable': seconds after which a retry may succeed. */
  retryAfterSeconds?: number;
  /** For 'engine_refused': the engine's own answer. */
  refusal?: EngineRefusal;

  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: { param?: string; routed?: Routed; retryAfterSeconds?: number; refusal?: EngineRefusal } = {},
  ) {
    super(message);
    this.name = 'RouterError';
    Object.assign(this, extra);
  }
}

/** A request the router refuses before routing, naming the field at fault. */
export function invalidRequest(message: string, param?: string): RouterError {
  return new RouterError('invalid_argument', message, { param });
}
