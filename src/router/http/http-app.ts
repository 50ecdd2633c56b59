import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { FrontContext } from '../core/request-context.js';
import { handleGeneration, REQUEST_ID_HEADER } from './handle-generation.js';
import { requestIdOf } from './request-id.js';
import { sendError, sendJson } from './send.js';

const GENERATION: Record<string, 'chat' | 'completion'> = { '/v1/chat/completions': 'chat', '/v1/completions': 'completion' };

/** The OpenAI-compatible API plus /healthz and /readyz. */
export function httpApp(ctx: FrontContext): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const kind = GENERATION[path];
    if (kind) {
      if (req.method !== 'POST') return sendError(res, 405, `${path} takes POST`, { headers: { allow: 'POST' } });
      ctx.inFlight.add();
      void handleGeneration(ctx, kind, req, res, requestId).finally(() => ctx.inFlight.done());
      return;
    }
    if (req.method !== 'GET') return sendError(res, 405, `${path} takes GET`, { headers: { allow: 'GET' } });
    const headers = { [REQUEST_ID_HEADER]: requestId };
    switch (path) {
      case '/v1/models': {
        const model = ctx.core.policy?.resolved.model;
        return sendJson(res, 200, { object: 'list', data: model ? [{ id: model, object: 'model', created: 0, owned_by: 'modeswitch' }] : [] }, headers);
      }
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' }, headers);
      case '/readyz':
        return ctx.ready() ? sendJson(res, 200, { status: 'ready' }, headers) : sendJson(res, 503, { status: 'no mode is reachable' }, headers);
      default:
        return sendError(res, 404, `no route ${path}`, { type: 'not_found', headers });
    }
  };
}
