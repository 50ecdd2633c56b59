import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../../decide/compile-policy.js';
import { Cancellation } from '../../forward/cancellation.js';
import { REQUEST_ID_HEADER } from '../../protocol/headers.js';
import { requestIdOf } from '../../protocol/request-id.js';
import { RouterError } from '../../protocol/router-error.js';
import { authenticate } from '../../auth/caller.js';
import { serveGeneration } from '../../serve/serve-generation.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { challengeOf, httpSink } from './http-sink.js';
import { httpStatusOf, openAiErrorOf } from '../../protocol/http-status.js';
import { parseJsonBody } from '../../openai/json-body.js';
import { generationKindOf, pathOnly, type GenerationKind } from '../../openai/generation-paths.js';
import { normalizeOpenAiRequest } from '../../openai/openai-request.js';
import { readBody } from './read-body.js';
import { sendError, sendJson } from './send.js';

const READS = new Set(['/v1/models', '/healthz', '/readyz']);

export interface HttpFrontOptions {
  maxRequestBytes: number;
  /** Time allowed for a request body once its headers are in (408 after). */
  bodyTimeoutMs: number;
  /** Requests still sending their bodies at once; more get 503 (a slow-body flood must not hold every socket). */
  maxUnfinishedBodies: number;
  /** True while the router drains: answers carry `Connection: close` so kept-alive clients move elsewhere. */
  draining: () => boolean;
  /** True while at least one mode has a healthy pod. */
  ready: () => boolean;
}

/** The OpenAI-compatible API plus /healthz and /readyz: translates HTTP to and from the request path. */
export function httpApp(ctx: ServeContext, o: HttpFrontOptions): RequestListener {
  let unfinishedBodies = 0;
  const readRequest = async (kind: GenerationKind, req: IncomingMessage, policy: CompiledPolicy) => {
    if (unfinishedBodies >= o.maxUnfinishedBodies)
      throw new RouterError('overloaded', 'too many requests are still sending their bodies; retry shortly', {
        retryAfterSeconds: 1,
      });
    unfinishedBodies++;
    let body: Buffer;
    try {
      body = await readBody(req, { maxBytes: o.maxRequestBytes, timeoutMs: o.bodyTimeoutMs });
    } finally {
      unfinishedBodies--;
    }
    return normalizeOpenAiRequest(kind, parseJsonBody(body), body, req.headers, policy.resolved.model);
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (o.draining()) res.shouldKeepAlive = false;
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    const path = pathOnly(req.url ?? '/');
    const kind = generationKindOf(path);
    const headers = { [REQUEST_ID_HEADER]: requestId };
    if (!kind && !READS.has(path)) return sendError(res, 404, `no route ${path}`, { type: 'not_found', headers });
    if (kind) {
      if (req.method !== 'POST')
        return sendError(res, 405, `${path} takes POST`, { headers: { ...headers, allow: 'POST' } });
      const client = new Cancellation();
      // The client went away before we finished: stop the engine's work too.
      res.on('close', () => {
        if (!res.writableFinished) client.abort('client');
      });
      void serveGeneration(
        ctx,
        ctx.core.policy,
        {
          api: kind,
          requestId,
          authorization: req.headers.authorization,
          client,
          read: (policy) => readRequest(kind, req, policy),
        },
        httpSink(res, requestId, o.draining),
      );
      return;
    }
    if (req.method !== 'GET')
      return sendError(res, 405, `${path} takes GET`, { headers: { ...headers, allow: 'GET' } });
    switch (path) {
      case '/v1/models': {
        try {
          authenticate(ctx.clientKeys, req.headers.authorization);
        } catch (err) {
          const e = err as RouterError;
          return sendJson(res, httpStatusOf(e), { error: openAiErrorOf(e) }, { ...headers, ...challengeOf(e) });
        }
        const model = ctx.core.policy?.resolved.model;
        return sendJson(
          res,
          200,
          { object: 'list', data: model ? [{ id: model, object: 'model', created: 0, owned_by: 'modeswitch' }] : [] },
          headers,
        );
      }
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' }, headers);
      default:
        return o.ready()
          ? sendJson(res, 200, { status: 'ready' }, headers)
          : sendJson(res, 503, { status: 'no mode is reachable' }, headers);
    }
  };
}
