import { authenticate, usesHintsOf } from '../auth/caller.js';
import { applyHintTrust } from '../classify/hints.js';
import type { NormalizedRequest } from '../classify/normalized-request.js';
import type { CompiledPolicy } from '../decide/compile-policy.js';
import type { Cancellation } from '../forward/cancellation.js';
import { httpStatusOf } from '../protocol/http-status.js';
import { RouterError } from '../protocol/router-error.js';
import type { GenerationSink } from './generation-sink.js';
import { openWithRetries } from './open-with-retries.js';
import { recordServed } from './record-served.js';
import type { Served } from './record-served.js';
import { relayAnswer } from './relay-answer.js';
import { decideRequest } from './route-request.js';
import type { ServeContext } from './serve-context.js';

export interface GenerationRequest {
  /** Front end and API, for the log line. */
  api: string;
  requestId: string;
  /** The client's `Authorization` header or metadata, checked before anything of the request is read. */
  authorization: string | undefined;
  /** Reads and validates the request under the snapshot (an HTTP front reads the body here); throws RouterError. */
  read: (snapshot: CompiledPolicy) => NormalizedRequest | Promise<NormalizedRequest>;
  /** Aborted by the front end when its client goes away. */
  client: Cancellation;
}

/** Turns anything thrown into the request path's error; a fault that is not a RouterError is logged, not shown. */
function asRouterError(ctx: ServeContext, err: unknown, requestId: string): RouterError {
  if (err instanceof RouterError) return err;
  ctx.logger.error('request failed inside the router', { requestId, error: (err as Error).message });
  return new RouterError('internal', 'the router failed to serve the request');
}

/**
 * The one request path of every front end that forwards: snapshot of the policy → read and classify → decide →
 * pick → forward → retry → relay → account → log. `snapshot` is the policy when the request arrived; every decision
 * of the request (retries included) uses it. Never rejects: failures go to sink.fail().
 */
export async function serveGeneration(
  ctx: ServeContext,
  snapshot: CompiledPolicy | undefined,
  request: GenerationRequest,
  sink: GenerationSink,
): Promise<void> {
  const served: Served = {
    requestId: request.requestId,
    api: request.api,
    policy: snapshot,
    code: 200,
    startedAt: ctx.now(),
    endedAt: 0,
  };
  ctx.inFlight.add();
  try {
    if (!snapshot)
      throw new RouterError('unavailable', 'the router has no policy loaded yet', { retryAfterSeconds: 1 });
    const caller = authenticate(ctx.clientKeys, request.authorization);
    const req = applyHintTrust(await request.read(snapshot), usesHintsOf(snapshot.resolved, caller));
    served.routed = decideRequest(ctx, snapshot, req);
    const open = await openWithRetries(ctx, snapshot, req, served.routed, request.requestId, request.client);
    served.routed = open.routed;
    try {
      await relayAnswer(ctx, req, open, request.requestId, sink, request.client, served);
    } finally {
      open.answer.close();
    }
  } catch (err) {
    if (err instanceof RouterError && err.routed) served.routed = err.routed;
    const error = request.client.aborted
      ? new RouterError('cancelled', 'the client went away')
      : asRouterError(ctx, err, request.requestId);
    served.code = httpStatusOf(error);
    if (error.code !== 'cancelled') failSafely(ctx, sink, error, request.requestId);
  } finally {
    served.endedAt = ctx.now();
    recordServed(ctx, served);
    ctx.inFlight.done();
  }
}

/** Tells the client; a sink that cannot (its connection broke meanwhile) must not turn into an unhandled rejection. */
function failSafely(ctx: ServeContext, sink: GenerationSink, error: RouterError, requestId: string): void {
  try {
    sink.fail(error);
  } catch (err) {
    ctx.logger.warn('could not send the error to the client', { requestId, error: (err as Error).message });
  }
}
