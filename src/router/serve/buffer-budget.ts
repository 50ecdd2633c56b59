import { createHash } from 'node:crypto';
import { bearerToken } from '../auth/caller.js';
import { RouterError } from '../protocol/router-error.js';

export interface BufferLimits {
  /** Request bytes all clients together may have buffered in the router at once (503 past it). */
  maxBufferedBytes: number;
  /** Request bytes one client may have buffered at once (429 past it), so one client cannot take the whole budget. */
  maxBufferedBytesPerClient: number;
  /** Request bodies one client may be sending at once (429 past it): slow senders hold sockets, not only bytes. */
  maxUnfinishedBodiesPerClient: number;
  /** Request bodies all clients together may be sending at once (503 past it). */
  maxUnfinishedBodies: number;
}

/** Seconds a refused client is asked to wait: bodies in flight finish or time out within seconds. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Who a request comes from, for per-client fairness: its API key (a hash of the `Authorization` bearer token, never
 * the token itself) when it sends one, else its address.
 */
export function clientKeyOf(authorization: string | undefined, address: string | undefined): string {
  const bearer = bearerToken(authorization);
  if (bearer) return `key:${createHash('sha256').update(bearer).digest('base64url').slice(0, 22)}`;
  return `addr:${address ?? 'unknown'}`;
}

/** What one request holds of the budget; give it back once (release) when the request is over. */
export interface BufferHold {
  /** Takes `bytes` more for this request's body; throws the 429/503 RouterError when the budget is spent. */
  take(bytes: number): void;
  /** The body is complete (or abandoned): it no longer counts as unfinished. Its bytes stay held until release(). */
  bodyDone(): void;
  release(): void;
}

/**
 * The router's memory budget for request bodies, shared by every front end: bytes buffered and bodies still being
 * sent, globally and per client. A request over a per-client limit is refused with 429, over a global one with 503,
 * both with Retry-After; nothing is buffered past the limits, so the router's memory stays bounded by configuration.
 */
export class BufferBudget {
  private bytes = 0;
  private bodies = 0;
  private readonly perClient = new Map<string, { bytes: number; bodies: number }>();

  constructor(readonly limits: BufferLimits) {}

  /**
   * Starts a request body of `client` (undefined: not known, so only the global limits bound it); throws the
   * 429/503 RouterError when it may not start now.
   */
  open(client: string | undefined): BufferHold {
    const c = client === undefined ? undefined : (this.perClient.get(client) ?? { bytes: 0, bodies: 0 });
    if (c && c.bodies >= this.limits.maxUnfinishedBodiesPerClient)
      throw clientOver(`this client is already sending ${c.bodies} request bodies; retry shortly`);
    if (this.bodies >= this.limits.maxUnfinishedBodies)
      throw globalOver('too many requests are still sending their bodies; retry shortly');
    if (client !== undefined && c) this.perClient.set(client, c);
    if (c) c.bodies++;
    this.bodies++;
    let held = 0;
    let unfinished = true;
    let released = false;
    const bodyDone = () => {
      if (!unfinished) return;
      unfinished = false;
      if (c) c.bodies--;
      this.bodies--;
    };
    return {
      take: (n) => {
        if (c && c.bytes + n > this.limits.maxBufferedBytesPerClient)
          throw clientOver("this client's request bodies take all of its share of the router's memory; retry shortly");
        if (this.bytes + n > this.limits.maxBufferedBytes)
          throw globalOver("request bodies take all of the router's memory budget; retry shortly");
        if (c) c.bytes += n;
        this.bytes += n;
        held += n;
      },
      bodyDone,
      release: () => {
        if (released) return;
        released = true;
        bodyDone();
        this.bytes -= held;
        if (!c || client === undefined) return;
        c.bytes -= held;
        if (c.bytes === 0 && c.bodies === 0) this.perClient.delete(client);
      },
    };
  }

  /** Bytes held now, all clients together (for tests and the bench). */
  get bufferedBytes(): number {
    return this.bytes;
  }
}

function clientOver(message: string): RouterError {
  return new RouterError('client_over_budget', message, { retryAfterSeconds: RETRY_AFTER_SECONDS });
}

function globalOver(message: string): RouterError {
  return new RouterError('overloaded', message, { retryAfterSeconds: RETRY_AFTER_SECONDS });
}
