import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordOutcome } from '../accounting/record-outcome.js';
import { InvalidRequestError } from '../classify/normalized-request.js';
import type { NormalizedRequest } from '../classify/normalized-request.js';
import type { FrontContext } from '../core/request-context.js';
import type { Routed } from '../core/router-core.js';
import { timedRoute } from '../core/timed-route.js';
import { explain } from '../decide/decide.js';
import { Cancellation } from '../forward/cancellation.js';
import { NoModeAvailableError, openUpstream, UpstreamFailedError } from '../forward/open-upstream.js';
import type { OpenUpstream } from '../forward/open-upstream.js';
import { eventData, isUsageOnlyChunk, SseSplitter, usageOf } from '../forward/sse.js';
import { usageOfAnswer } from '../forward/usage-of-answer.js';
import type { Usage } from '../forward/sse.js';
import { normalizeOpenAiRequest } from './openai-request.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { sendError } from './send.js';

export const MODE_HEADER = 'x-modeswitch-mode';
export const RULE_HEADER = 'x-modeswitch-rule';
export const REQUEST_ID_HEADER = 'x-request-id';

const PATHS = { chat: '/v1/chat/completions', completion: '/v1/completions' } as const;

interface Progress {
  routed?: Routed;
  code: number;
  firstByteAt?: number;
  usage?: Usage;
}

/** POST /v1/completions and /v1/chat/completions: validate, route, forward, stream back, account. */
export async function handleGeneration(ctx: FrontContext, kind: 'chat' | 'completion', req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const startedAt = ctx.now();
  const progress: Progress = { code: 500 };
  const policy = ctx.core.policy;
  const abort = new Cancellation();
  // The client went away before we finished: stop the engine's work too.
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    if (!policy) throw new NoPolicyError();
    const body = await readBody(req, ctx.maxRequestBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new InvalidRequestError('the request body is not valid JSON');
    }
    const normalized = normalizeOpenAiRequest(kind, parsed, req.headers, policy.resolved.model);
    await forward(ctx, kind, normalized, body, res, requestId, abort, progress);
  } catch (err) {
    fail(ctx, err, res, requestId, progress, abort.aborted);
  } finally {
    const endedAt = ctx.now();
    recordOutcome(ctx.metrics, { routed: progress.routed, policy: policy?.name ?? 'none', code: progress.code, startedAt, firstByteAt: progress.firstByteAt, endedAt, usage: progress.usage });
    const d = progress.routed?.decision;
    // Checked first: building the log entry costs more than routing when the level filters it out anyway.
    if (ctx.logger.isInfoEnabled()) ctx.logger.info('request', { requestId, api: kind, code: progress.code, mode: d?.mode, rule: d?.rule, fallbacks: d?.fallbacks.length, ms: endedAt - startedAt });
  }
}

class NoPolicyError extends Error {}

async function forward(ctx: FrontContext, kind: 'chat' | 'completion', r: NormalizedRequest, raw: Buffer, res: ServerResponse, requestId: string, signal: Cancellation, progress: Progress): Promise<void> {
  const { first, route } = timedRoute(ctx, r);
  progress.routed = first;
  const clientWantsUsage = (r.body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true;
  // Streams: ask the engine for the usage chunk so tokens are accounted; it is hidden again unless asked for.
  // Otherwise the client's own bytes go upstream: re-serialising the parsed body would only cost time.
  const upstreamBody = r.stream && !clientWantsUsage ? JSON.stringify({ ...r.body, stream_options: { ...(r.body['stream_options'] as object), include_usage: true } }) : raw;
  const up = await openUpstream({ path: PATHS[kind], body: upstreamBody, requestId, signal, route, whole: !r.stream }, ctx.upstream);
  progress.routed = up.routed;
  try {
    const d = up.routed.decision;
    // A flat [name, value, ...] list: Node writes it without walking an object built per request.
    const headers = ['content-type', up.contentType, MODE_HEADER, d.mode as string, RULE_HEADER, d.rule, REQUEST_ID_HEADER, requestId];
    progress.firstByteAt = ctx.now();
    if (r.stream && up.statusCode === 200) {
      res.writeHead(200, [...headers, 'cache-control', 'no-cache']);
      progress.code = 200;
      await streamEvents(up, res, clientWantsUsage, progress, signal);
    } else {
      // A stream the engine refused (4xx) comes back as a JSON error; read all of it, not just its first chunk.
      const text = r.stream ? await readAll(up) : up.first;
      progress.usage = usageOfAnswer(text);
      // Only completions calibrate the estimate: a chat prompt's count includes the chat template's tokens, which
      // would drift the chars-per-token ratio down and inflate every long-prompt estimate.
      if (progress.usage && kind === 'completion') ctx.core.tokens.observe(r.text.length, progress.usage.promptTokens);
      headers.push('content-length', String(text.length));
      res.writeHead(up.statusCode, headers);
      res.end(text);
      progress.code = up.statusCode;
    }
  } finally {
    up.close();
  }
}

async function readAll(up: OpenUpstream): Promise<Buffer> {
  const chunks = [up.first];
  for (let c = await up.rest.next(); !c.done; c = await up.rest.next()) chunks.push(c.value);
  return chunks.length === 1 ? up.first : Buffer.concat(chunks);
}

async function streamEvents(up: OpenUpstream, res: ServerResponse, keepUsage: boolean, progress: Progress, clientGone: Cancellation): Promise<void> {
  const splitter = new SseSplitter();
  /** Writes the events a client may see; false when the client's socket buffer is full. */
  const pass = (events: string[]): boolean => {
    let out = '';
    for (const e of events) {
      const data = eventData(e);
      if (data && data !== 'done') {
        const usage = usageOf(data);
        if (usage) progress.usage = usage;
        if (!keepUsage && isUsageOnlyChunk(data)) continue;
      }
      out += e;
    }
    return out ? res.write(out) : true;
  };
  try {
    // A slow reader makes the router stop pulling from the engine (TCP pushes back to it) instead of buffering
    // the whole answer in router memory.
    if (!pass(splitter.push(up.first))) await writable(res);
    for (let c = await up.rest.next(); !c.done; c = await up.rest.next()) {
      if (!pass(splitter.push(c.value))) await writable(res);
    }
  } catch (err) {
    // The client left (its close aborted the engine request): a cancellation, not an engine failure.
    // Otherwise bytes already reached the client: nothing can be retried; cut the stream so the client sees it broke.
    progress.code = clientGone.aborted ? 499 : 502;
    res.destroy(err as Error);
    return;
  }
  const tail = splitter.flush();
  if (tail) res.write(tail);
  res.end();
}

function fail(ctx: FrontContext, err: unknown, res: ServerResponse, requestId: string, progress: Progress, clientGone: boolean): void {
  const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestId };
  if (clientGone) {
    progress.code = 499;
    return;
  }
  if (res.headersSent) {
    progress.code = 502;
    res.destroy();
    return;
  }
  if (err instanceof BodyTooLargeError) {
    progress.code = 413;
    // The rest of the body is not read: close the connection rather than let the client keep sending.
    res.setHeader('connection', 'close');
    sendError(res, 413, err.message, { code: 'request_too_large', headers });
  } else if (err instanceof InvalidRequestError) {
    progress.code = err.kind === 'model_not_found' ? 404 : 400;
    sendError(res, progress.code, err.message, { param: err.param, code: err.kind === 'model_not_found' ? 'model_not_found' : undefined, headers });
  } else if (err instanceof NoModeAvailableError) {
    progress.code = 503;
    progress.routed = err.routed;
    sendError(res, 503, `no mode can serve this request now: ${explain(err.routed.decision)}`, { type: 'service_unavailable', headers: { ...headers, 'retry-after': '1' } });
  } else if (err instanceof UpstreamFailedError) {
    progress.code = err.http;
    progress.routed = err.routed;
    sendError(res, err.http, `the engine failed: ${err.message}`, { type: 'upstream_error', headers });
  } else if (err instanceof NoPolicyError) {
    progress.code = 503;
    sendError(res, 503, 'the router has no policy loaded yet', { type: 'service_unavailable', headers });
  } else {
    progress.code = 502;
    ctx.logger.error('request failed', { requestId, error: (err as Error).message });
    sendError(res, 502, `the engine failed: ${(err as Error).message}`, { type: 'upstream_error', headers });
  }
}

/** Resolves once the response can take more (drain), or the client has gone (close). */
function writable(res: ServerResponse): Promise<void> {
  // Already gone: 'close' has fired and will not fire again.
  if (res.destroyed || res.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
