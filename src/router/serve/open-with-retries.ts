import { HINT_HEADERS } from '../classify/hints.js';
import type { NormalizedRequest } from '../classify/normalized-request.js';
import type { CompiledPolicy } from '../decide/compile-policy.js';
import { explain } from '../decide/decide.js';
import type { Routed } from '../decide/routed.js';
import type { PodRecord } from '../pods/endpoint.js';
import { Cancellation } from '../forward/cancellation.js';
import { AttemptFailedError, sendAttempt } from '../forward/send-attempt.js';
import type { AttemptFailure, AttemptTimeouts, EngineAnswer } from '../forward/send-attempt.js';
import { GENERATION_PATHS } from '../openai/generation-paths.js';
import { REQUEST_ID_HEADER } from '../protocol/headers.js';
import { RouterError } from '../protocol/router-error.js';
import type { ServeContext } from './serve-context.js';

/** An engine answer that has started, with the decision that chose its pod. */
export interface OpenAnswer {
  routed: Routed;
  answer: EngineAnswer;
}

const timeoutsByPolicy = new WeakMap<CompiledPolicy, AttemptTimeouts>();

/** The router's attempt timeouts, each replaced by the policy's own where it sets one. */
function timeoutsOf(ctx: ServeContext, policy: CompiledPolicy): AttemptTimeouts {
  let t = timeoutsByPolicy.get(policy);
  if (!t) {
    const r = policy.resolved.routing;
    const ms = (seconds: number | undefined, fallback: number) => (seconds === undefined ? fallback : seconds * 1000);
    const d = ctx.upstream.timeouts;
    t = {
      firstByteTimeoutMs: ms(r.firstByteTimeoutSeconds, d.firstByteTimeoutMs),
      generationTimeoutMs: ms(r.generationTimeoutSeconds, d.generationTimeoutMs),
      bodyTimeoutMs: ms(r.streamIdleTimeoutSeconds, d.bodyTimeoutMs),
    };
    timeoutsByPolicy.set(policy, t);
  }
  return t;
}

/**
 * The bytes sent upstream. A stream asks the engine for its usage chunk so tokens are accounted (hidden again unless
 * the client asked); otherwise the client's own bytes go, since re-serialising would only cost time. `model` names a
 * LoRA adapter to ask for instead of the base model.
 */
export function upstreamBody(req: NormalizedRequest, model?: string): string | Buffer {
  const body = model === undefined ? req.body : { ...req.body, model };
  if (req.stream && !req.includeUsage)
    return JSON.stringify({
      ...body,
      stream_options: { ...(req.body['stream_options'] as object | undefined), include_usage: true },
    });
  return model === undefined ? (req.raw ?? JSON.stringify(body)) : JSON.stringify(body);
}

function clientMessage(ctx: ServeContext, routed: Routed, failed: number, last: string): string {
  const base = `${failed} engine attempt(s) failed before the answer started`;
  return ctx.exposeInternals ? `${base}; last: ${last}; ${explain(routed.decision, true)}` : base;
}

/**
 * Picks a pod, forwards, and moves on to the next pod or mode when an attempt fails before its first byte, always
 * deciding with the request's own policy snapshot. Each failure feeds the pod's health and gets a metric and a log
 * line. After the first byte nothing is retried: the caller owns the answer.
 */
export async function openWithRetries(
  ctx: ServeContext,
  snapshot: CompiledPolicy,
  req: NormalizedRequest,
  first: Routed,
  requestId: string,
  client: Cancellation,
): Promise<OpenAnswer> {
  const body = upstreamBody(req);
  const timeouts = timeoutsOf(ctx, snapshot);
  let failed: Set<string> | undefined;
  let lastError = '';
  for (let attempt = 0; ; attempt++) {
    const routed = failed ? ctx.core.route(snapshot, req, failed, first.features) : first;
    const pod = routed.decision.pod?.record;
    if (!pod) {
      if (failed)
        throw new RouterError('upstream_failed', clientMessage(ctx, routed, failed.size, lastError), { routed });
      throw new RouterError(
        'unavailable',
        `no mode can serve this request now: ${explain(routed.decision, ctx.exposeInternals)}`,
        { routed, retryAfterSeconds: 1 },
      );
    }
    if (client.aborted) throw new RouterError('cancelled', 'the client went away', { routed });
    // The attempt's own signal: the client leaving, the pod failing its health check, or a late first byte end it.
    const signal = new Cancellation();
    const onClientGone = () => signal.abort('client');
    client.once('abort', onClientGone);
    pod.inFlight++;
    pod.waiting.add(signal);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [REQUEST_ID_HEADER]: requestId,
      [HINT_HEADERS.type]: routed.features.type,
    };
    if (ctx.upstream.apiKey) headers['authorization'] = `Bearer ${ctx.upstream.apiKey}`;
    try {
      // Per attempt: a retry may move between an adapter mode and a plain one, which name different models upstream.
      const adapter = routed.decision.adapter?.upstreamModel;
      const sent = adapter === undefined ? body : upstreamBody(req, adapter);
      const answer = await sendAttempt({
        dispatcher: ctx.upstream.dispatcher,
        origin: pod.url,
        path: GENERATION_PATHS[req.kind],
        headers,
        body: sent,
        whole: !req.stream,
        signal,
        timeouts,
      });
      pod.waiting.delete(signal);
      ctx.health.succeeded(pod);
      const close = () => {
        pod.inFlight--;
        client.off('abort', onClientGone);
        answer.close();
      };
      return { routed, answer: { ...answer, close } };
    } catch (err) {
      pod.waiting.delete(signal);
      pod.inFlight--;
      client.off('abort', onClientGone);
      if (client.aborted) throw new RouterError('cancelled', 'the client went away', { routed });
      const failure: AttemptFailure = err instanceof AttemptFailedError ? err.failure : 'other';
      lastError = `${pod.pod ?? pod.url}: ${(err as Error).message}`;
      ctx.health.failed(pod, failure);
      const reason = failure === 'aborted' ? 'pod_unhealthy' : failure;
      attemptFailed(ctx, snapshot, routed, pod, reason, requestId, (err as Error).message);
      // A whole answer that ran out of time may still be generating elsewhere-sized work: re-running it on another
      // GPU would double the load, so the client hears of it instead.
      if (failure === 'generation_timeout')
        throw new RouterError(
          'upstream_timeout',
          `the engine did not finish the answer within ${timeouts.generationTimeoutMs / 1000} s (the policy's ` +
            'spec.routing.generationTimeoutSeconds)',
          { routed },
        );
      (failed ??= new Set()).add(pod.url);
      if (attempt + 1 >= ctx.upstream.maxAttempts)
        throw new RouterError('upstream_failed', clientMessage(ctx, routed, failed.size, lastError), { routed });
    }
  }
}

function attemptFailed(
  ctx: ServeContext,
  snapshot: CompiledPolicy,
  routed: Routed,
  pod: PodRecord,
  reason: string,
  requestId: string,
  error: string,
): void {
  ctx.metrics.attemptFailures.inc({ policy: snapshot.name, mode: routed.decision.mode ?? 'none', reason });
  ctx.logger.warn('engine attempt failed before the answer started; trying another pod', {
    requestId,
    mode: routed.decision.mode,
    pod: pod.pod ?? pod.url,
    reason,
    error,
  });
}
