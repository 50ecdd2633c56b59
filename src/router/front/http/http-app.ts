import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../../decide/compile-policy.js';
import { Cancellation } from '../../forward/cancellation.js';
import { REQUEST_ID_HEADER } from '../../protocol/headers.js';
import { requestIdOf } from '../../protocol/request-id.js';
import { RouterError } from '../../protocol/router-error.js';
import { authenticate } from '../../auth/caller.js';
import { clientKeyOf, type BufferBudget } from '../../serve/buffer-budget.js';
import { serveGeneration } from '../../serve/serve-generation.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { challengeOf, httpSink } from './http-sink.js';
import { httpStatusOf, openAiErrorOf } from '../../protocol/http-status.js';
import { parseJsonBody } from '../../openai/json-body.js';
import { generationKindOf, pathOnly, type GenerationKind } from '../../openai/generation-paths.js';
import { normalizeOpenAiRequest } from '../../openai/openai-request.js';
import { readBody } from './read-body.js';
import { sendError, sendJson } from './send.js';
import { MODESWITCH_VERSION } from '../../../api/v1alpha1/defaults.js';

// /health, /ping and /version are vLLM's probes, answered as vLLM answers them: clients written for vLLM call them.
const READS = new Set(['/v1/models', '/healthz', '/readyz', '/health', '/ping', '/version']);
const MODEL_PREFIX = '/v1/models/';

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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The OpenAI-compatible API plus /healthz and /readyz: translates HTTP to and from the request path. */
export function httpApp(ctx: ServeContext, o: HttpFrontOptions): RequestListener {
  const readRequest = async (
    kind: GenerationKind,
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
    const path = pathOnly(req.url ?? '/');
    const kind = generationKindOf(path);
    const headers = { [REQUEST_ID_HEADER]: requestId };
    if (!kind && !READS.has(path) && !path.startsWith(MODEL_PREFIX))
      return sendError(res, 404, `no route ${path}`, { type: 'not_found', headers });
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
          read: (policy) => readRequest(kind, req, res, policy),
        },
        httpSink(res, requestId, o.draining),
      );
      return;
    }
    // vLLM answers /ping on POST too (SageMaker's probe).
    const methods = path === '/ping' ? ['GET', 'POST'] : ['GET'];
    if (!methods.includes(req.method ?? ''))
      return sendError(res, 405, `${path} takes ${methods.join(' or ')}`, {
        headers: { ...headers, allow: methods.join(', ') },
      });
    const model = ctx.core.policy?.resolved.model;
    const modelObject = (id: string) => ({ id, object: 'model', created: 0, owned_by: 'modeswitch' });
    if (path === '/v1/models' || path.startsWith(MODEL_PREFIX)) {
      // The model list is the API's, behind the client's key; the probes stay open.
      try {
        authenticate(ctx.clientKeys, req.headers.authorization);
      } catch (err) {
        const e = err as RouterError;
        return sendJson(res, httpStatusOf(e), { error: openAiErrorOf(e) }, { ...headers, ...challengeOf(e) });
      }
    }
    if (path.startsWith(MODEL_PREFIX)) {
      // Model ids carry a slash (meta-llama/...): the rest of the path is the id, percent-encoded or not.
      const id = safeDecode(path.slice(MODEL_PREFIX.length));
      return id === model
        ? sendJson(res, 200, modelObject(id), headers)
        : sendError(res, 404, `The model \`${id}\` does not exist.`, { headers });
    }
    switch (path) {
      case '/v1/models':
        return sendJson(res, 200, { object: 'list', data: model ? [modelObject(model)] : [] }, headers);
      case '/version':
        return sendJson(res, 200, { version: MODESWITCH_VERSION }, headers);
      case '/health':
      case '/ping':
        // vLLM: 200 with an empty body while it can serve, 503 when it cannot.
        res.writeHead(o.ready() ? 200 : 503, { ...headers, 'content-length': 0 });
        return res.end();
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' }, headers);
      default:
        return o.ready()
          ? sendJson(res, 200, { status: 'ready' }, headers)
          : sendJson(res, 503, { status: 'no mode is reachable' }, headers);
    }
  };
}
