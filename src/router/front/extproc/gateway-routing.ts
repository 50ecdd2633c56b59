import type { NormalizedRequest } from '../../classify/normalized-request.js';
import { authenticate, usesHintsOf } from '../../auth/caller.js';
import { applyHintTrust, HINT_HEADERS } from '../../classify/hints.js';
import type { RejectReason } from '../../decide/pick-pod.js';
import type { PodRecord } from '../../pods/endpoint.js';
import { parseJsonBody } from '../../openai/json-body.js';
import { generationKindOf, pathOnly } from '../../openai/generation-paths.js';
import { normalizeOpenAiRequest } from '../../openai/openai-request.js';
import { MODE_HEADER, REQUEST_ID_HEADER, RULE_HEADER } from '../../protocol/headers.js';
import { httpStatusOf } from '../../protocol/http-status.js';
import { requestIdOf } from '../../protocol/request-id.js';
import { RouterError } from '../../protocol/router-error.js';
import { upstreamBody } from '../../serve/open-with-retries.js';
import { recordServed, reportAttempt } from '../../serve/record-served.js';
import { planRoute } from '../../serve/route-request.js';
import type { BufferBudget } from '../../serve/buffer-budget.js';
import type { ServeContext } from '../../serve/serve-context.js';
import type { ExchangeResult, GatewayRequest, GatewayRouting, RouteOutcome } from './extproc-session.js';
import { errorAnswer, type LocalAnswer } from './processing-responses.js';

/** Guards that say the pods are busy, not gone: a sheddable request refused for these is shed (429), not 503. */
const LOAD_REASONS: ReadonlySet<RejectReason> = new Set(['queue_depth', 'kv_cache', 'gpu_power']);
const API = 'ext_proc';
const encoder = new TextEncoder();

/** `ip:port` of a pod, as the data plane names endpoints; cached because it is read on every request. */
const endpointCache = new WeakMap<PodRecord, string>();
export function endpointOf(pod: PodRecord): string {
  let e = endpointCache.get(pod);
  if (e === undefined) {
    e = pod.url.slice(pod.url.indexOf('//') + 2);
    endpointCache.set(pod, e);
  }
  return e;
}

/**
 * The router's side of the Endpoint Picker Protocol, on the shared request path: the same reading and validation as
 * the HTTP front, then decide+pick (planRoute) without forwarding, and the same accounting (recordServed) once the
 * gateway reports how the answer went.
 */
export function gatewayRouting(ctx: ServeContext, maxRequestBytes: number, budget: BufferBudget): GatewayRouting {
  return { maxRequestBytes, budget, now: ctx.now, route: (req) => route(ctx, req) };
}

function route(ctx: ServeContext, g: GatewayRequest): RouteOutcome {
  const startedAt = ctx.now();
  const requestId = requestIdOf(g.headers[REQUEST_ID_HEADER]);
  const snapshot = ctx.core.policy;
  const path = pathOnly(g.path);
  const kind = generationKindOf(path);
  let req: NormalizedRequest;
  try {
    // As on every front, the client's API key first: no pod address for a caller without one.
    const caller = authenticate(ctx.clientKeys, g.headers['authorization']);
    if (!kind) return routeOther(ctx, g, requestId);
    if (!snapshot) throw new RouterError('unavailable', 'no policy is loaded yet', { retryAfterSeconds: 1 });
    if (g.method !== 'POST') throw new RouterError('invalid_argument', `${path} takes POST`);
    const raw = Buffer.from(g.body.buffer, g.body.byteOffset, g.body.byteLength);
    // A policy that ignores client hints, or a client it does not trust, is decided on the router's own estimates.
    req = applyHintTrust(
      normalizeOpenAiRequest(kind, parseJsonBody(raw), raw, g.headers, snapshot.resolved.model),
      usesHintsOf(snapshot.resolved, caller),
    );
  } catch (err) {
    return refuse(ctx, err, { requestId, startedAt, policy: snapshot });
  }
  const pods = g.subset ? podsOf(ctx) : [];
  const exclude = g.subset && excludedBySubset(pods, g.subset);
  const plan = planRoute(ctx, snapshot, req, ctx.upstream.maxAttempts, exclude);
  const { routed } = plan;
  const d = routed.decision;
  if (plan.endpoints.length === 0) {
    const inSubset = exclude !== undefined && exclude.size === pods.length;
    const shed = req.priority < 0 && d.fallbacks.length > 0 && d.fallbacks.every((f) => LOAD_REASONS.has(f.reason));
    const err = shed
      ? new RouterError(
          'overloaded',
          'the pods are busy and this request is sheddable (negative priority); retry later',
          { routed, retryAfterSeconds: 1 },
        )
      : new RouterError(
          'unavailable',
          inSubset
            ? "no pod of this policy is among the gateway's allowed endpoints"
            : 'no mode can serve this request now',
          { routed, retryAfterSeconds: 1 },
        );
    return refuse(ctx, err, { requestId, startedAt, policy: snapshot }, shed ? 429 : 503);
  }
  // The gateway sends one body to every endpoint it tries: an adapter's name is known only to the pods that load it,
  // so a decision for an adapter keeps its fallback list to those pods.
  const endpoints = d.adapter ? plan.endpoints.filter((p) => p.mode === d.adapter?.podsOf) : plan.endpoints;
  const first = endpoints[0] as PodRecord;
  first.inFlight++;
  ctx.inFlight.add();
  const requestHeaders: Record<string, string> = {
    [REQUEST_ID_HEADER]: requestId,
    [HINT_HEADERS.type]: routed.features.type,
    ...upstreamAuthorization(ctx),
  };
  // An adapter mode's pods are asked for the adapter; the gateway sends this one body to every endpoint it tries.
  const body = upstreamBody(req, d.adapter?.upstreamModel);
  return {
    routed: {
      endpoints: endpoints.map(endpointOf),
      requestHeaders,
      removeRequestHeaders: clientAuthorizationRemoved(ctx),
      body: typeof body === 'string' ? encoder.encode(body) : body,
      responseHeaders: { [MODE_HEADER]: d.mode ?? '', [RULE_HEADER]: d.rule, [REQUEST_ID_HEADER]: requestId },
      hideUsageChunk: req.stream && !req.includeUsage,
      finish: (x: ExchangeResult) => {
        first.inFlight--;
        ctx.inFlight.done();
        const served =
          x.servedEndpoint === undefined ? undefined : endpoints.find((p) => endpointOf(p) === x.servedEndpoint);
        if (served && x.status > 0) reportAttempt(ctx, served, x.status >= 500 ? 'status_5xx' : undefined);
        // The gateway may have walked the fallback list: tokens and time count for the mode that answered.
        const servedRouted =
          served && served.mode !== (d.adapter?.podsOf ?? d.mode)
            ? { ...routed, decision: { ...d, mode: served.mode } }
            : routed;
        recordServed(ctx, {
          requestId,
          api: API,
          policy: snapshot,
          routed: servedRouted,
          code: x.status,
          startedAt,
          firstByteAt: x.firstByteAt,
          endedAt: ctx.now(),
          usage: x.usage,
        });
      },
    },
  };
}

/** Paths other than generation (`GET /v1/models`, …): any ready pod answers them; nothing is decided or counted. */
function routeOther(ctx: ServeContext, g: GatewayRequest, requestId: string): RouteOutcome {
  const allowed = g.subset && new Set(g.subset);
  const view = ctx.core.modeView();
  const pods = [...(view?.pods.values() ?? [])]
    .flat()
    .filter((p) => p.healthy && (!allowed || allowed.has(endpointOf(p.record))));
  if (pods.length === 0)
    return { refused: answerOf(new RouterError('unavailable', 'no ready pod', { retryAfterSeconds: 1 })) };
  return {
    routed: {
      endpoints: pods.slice(0, ctx.upstream.maxAttempts).map((p) => endpointOf(p.record)),
      requestHeaders: { [REQUEST_ID_HEADER]: requestId, ...upstreamAuthorization(ctx) },
      removeRequestHeaders: clientAuthorizationRemoved(ctx),
      body: g.body,
      responseHeaders: { [REQUEST_ID_HEADER]: requestId },
      hideUsageChunk: false,
      finish: () => {},
    },
  };
}

/** The engines get the router's API key when it has one, never the client's credentials (as from the other fronts). */
function upstreamAuthorization(ctx: ServeContext): Record<string, string> {
  return ctx.upstream.apiKey ? { authorization: `Bearer ${ctx.upstream.apiKey}` } : {};
}

/** Without a key of the router's own to put in its place, the client's Authorization is removed. */
function clientAuthorizationRemoved(ctx: ServeContext): string[] {
  return ctx.upstream.apiKey ? [] : ['authorization'];
}

/** Every pod of the policy's modes, ready or not. */
function podsOf(ctx: ServeContext): PodRecord[] {
  const out: PodRecord[] = [];
  for (const views of ctx.core.modeView()?.pods.values() ?? []) for (const v of views) out.push(v.record);
  return out;
}

/** Pod URLs outside the gateway's subset hint, so the decision picks only inside it. */
function excludedBySubset(pods: readonly PodRecord[], subset: readonly string[]): Set<string> {
  const allowed = new Set(subset);
  const out = new Set<string>();
  for (const pod of pods) if (!allowed.has(endpointOf(pod))) out.add(pod.url);
  return out;
}

function refuse(
  ctx: ServeContext,
  err: unknown,
  r: { requestId: string; startedAt: number; policy: ServeContext['core']['policy'] },
  status?: number,
): RouteOutcome {
  const e = err instanceof RouterError ? err : internal(ctx, err);
  const answer = answerOf(e, status);
  recordServed(ctx, {
    requestId: r.requestId,
    api: API,
    policy: r.policy,
    routed: e.routed,
    code: answer.status,
    startedAt: r.startedAt,
    endedAt: ctx.now(),
  });
  return { refused: { ...answer, headers: { ...answer.headers, [REQUEST_ID_HEADER]: r.requestId } } };
}

function answerOf(e: RouterError, status = httpStatusOf(e)): LocalAnswer {
  const d = e.routed?.decision;
  return errorAnswer(e, status, d ? { [RULE_HEADER]: d.rule } : {});
}

function internal(ctx: ServeContext, err: unknown): RouterError {
  ctx.logger.error('ext_proc routing failed', { error: err instanceof Error ? err.message : String(err) });
  return new RouterError('internal', 'internal error');
}
