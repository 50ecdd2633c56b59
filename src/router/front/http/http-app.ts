import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../../decide/compile-policy.js';
import { Cancellation } from '../../forward/cancellation.js';
import { REQUEST_ID_HEADER } from '../../protocol/headers.js';
import { requestIdOf } from '../../protocol/request-id.js';
import { clientKeyOf, type BufferBudget } from '../../serve/buffer-budget.js';
import { serveGeneration } from '../../serve/serve-generation.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { httpSink } from './http-sink.js';
import { parseJsonBody } from '../../openai/json-body.js';
import { normalizeOpenAiRequest } from '../../openai/openai-request.js';
import { readBody } from './read-body.js';
import { sendError, sendJson } from './send.js';

const GENERATION: Record<string, 'chat' | 'completion'> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completion',
};
const READS = new Set(['/v1/models', '/healthz', '/readyz']);

export interface HttpFrontOptions {
  maxRequestBytes: number;
  /** Time allowed for a request body once its headers are in (408 after). */
  bodyTimeoutMs: number;
  /** Request bodies held at once, per client and in all (429 / 503 past it): a slow-body flood must not hold every socket. */
  budget: BufferBudget;
  /** True while the router drains: answers carry `Connection: close` so kept-alive clients move elsewhere. */
  draining: () => boolean;
  /** True while at least one mode has a healthy pod. */
  ready: () => boolean;
}

/** The OpenAI-compatible API plus /healthz and /readyz: translates HTTP to and from the request path. */
export function httpApp(ctx: ServeContext, o: HttpFrontOptions): RequestListener {
  const readRequest = async (
    kind: 'chat' | 'completion',
    req: IncomingMessage,
    res: ServerResponse,
    policy: CompiledPolicy,
  ) => {
    // Held until the answer is over: the body (raw and parsed) lives as long as the request does.
    const hold = o.budget.open(clientKeyOf(req.headers.authorization, req.socket.remoteAddress));
    res.once('close', hold.release);
    const body = await readBody(req, { maxBytes: o.maxRequestBytes, timeoutMs: o.bodyTimeoutMs }, hold);
    return normalizeOpenAiRequest(kind, parseJsonBody(body), body, req.headers, policy.resolved.model);
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (o.draining()) res.shouldKeepAlive = false;
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const kind = GENERATION[path];
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
        { api: kind, requestId, client, read: (policy) => readRequest(kind, req, res, policy) },
        httpSink(res, requestId, o.draining),
      );
      return;
    }
    if (req.method !== 'GET')
      return sendError(res, 405, `${path} takes GET`, { headers: { ...headers, allow: 'GET' } });
    switch (path) {
      case '/v1/models': {
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
