import type { ServerResponse } from 'node:http';
import { ADAPTER_HEADER, MODE_HEADER, REQUEST_ID_HEADER, RULE_HEADER } from '../../protocol/headers.js';
import { httpStatusOf, openAiErrorOf } from '../../protocol/http-status.js';
import type { RouterError } from '../../protocol/router-error.js';
import type { GenerationSink } from '../../serve/generation-sink.js';
import { whenWritable } from '../../serve/when-writable.js';
import { sendJson } from './send.js';

/** Errors after which the rest of the request body is unread: the connection cannot carry another request. */
const BODY_UNREAD = new Set(['too_large', 'request_timeout', 'overloaded', 'unauthenticated', 'client_over_budget']);

/** A 401 names the scheme the router takes (RFC 9110 §11.6.1). */
export function challengeOf(err: RouterError): Record<string, string> {
  return err.code === 'unauthenticated' ? { 'www-authenticate': 'Bearer' } : {};
}

/**
 * The OpenAI HTTP answer of the request path: server-sent events as the engine sent them, or its whole JSON; errors
 * in OpenAI's shape. `closing()` is true during a drain: the answer then carries `Connection: close`.
 */
export function httpSink(res: ServerResponse, requestId: string, closing: () => boolean): GenerationSink {
  // A flat [name, value, ...] list: Node writes it without walking an object built per request.
  let headers: string[] = [];
  const writeHead = (status: number, list: string[]) => {
    if (closing()) res.shouldKeepAlive = false;
    res.writeHead(status, list);
  };
  return {
    start(head) {
      const d = head.routed.decision;
      headers = [
        'content-type',
        head.contentType,
        MODE_HEADER,
        d.mode as string,
        RULE_HEADER,
        d.rule,
        REQUEST_ID_HEADER,
        requestId,
      ];
      if (d.adapter) headers.push(ADAPTER_HEADER, d.adapter.upstreamModel);
      if (head.streamed) writeHead(200, [...headers, 'cache-control', 'no-cache']);
    },
    events(events) {
      let out = '';
      for (const e of events) out += e.raw;
      return res.write(out);
    },
    drained: () => whenWritable(res, res.destroyed || res.closed, ['close']),
    finish(end) {
      if (!end.body) return void res.end();
      headers.push('content-length', String(end.body.length));
      writeHead(200, headers);
      res.end(end.body);
    },
    fail(err: RouterError) {
      // Bytes already reached the client: nothing can be retried; cut the stream so the client sees it broke.
      if (res.headersSent) return void res.destroy();
      const d = err.routed?.decision;
      const list: Record<string, string> = { [REQUEST_ID_HEADER]: requestId, ...challengeOf(err) };
      if (d?.mode) list[MODE_HEADER] = d.mode;
      if (d) list[RULE_HEADER] = d.rule;
      if (err.retryAfterSeconds !== undefined) list['retry-after'] = String(err.retryAfterSeconds);
      if (closing() || BODY_UNREAD.has(err.code)) res.shouldKeepAlive = false;
      sendJson(res, httpStatusOf(err), { error: openAiErrorOf(err) }, list);
    },
  };
}
