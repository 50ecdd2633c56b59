import {
  ExtProcSession,
  type ExchangeResult,
  type GatewayRequest,
  type GatewayRouting,
  type RouteOutcome,
} from '../../../../src/router/front/extproc/extproc-session.js';
import { MAX_BODY_CHUNK } from '../../../../src/router/front/extproc/processing-responses.js';
import { ROUTER_DEFAULTS } from '../../../../src/api/v1alpha1/router-config.js';
import { BufferBudget } from '../../../../src/router/serve/buffer-budget.js';
import {
  commonOf,
  immediateOf,
  requestBody,
  requestHeaders,
  requestTrailers,
  responseBody,
  responseHeaders,
  servedMetadata,
  setHeadersOf,
  streamedBodyOf,
  subsetMetadata,
} from '../../../support/envoy-ext-proc.js';

const POST = {
  ':method': 'POST',
  ':path': '/v1/chat/completions',
  'content-type': 'application/json',
  'content-length': '0',
};
const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

/** Routing that records what it was asked and answers as told: the session must not care how the router decides. */
function routing(
  answer: (req: GatewayRequest) => RouteOutcome = () => routed(),
  budget = new BufferBudget(ROUTER_DEFAULTS.limits),
) {
  const seen: GatewayRequest[] = [];
  const finished: ExchangeResult[] = [];
  const r: GatewayRouting = {
    maxRequestBytes: 1024 * 1024,
    budget,
    now: () => 1000,
    route: (req) => {
      seen.push(req);
      const outcome = answer(req);
      if ('routed' in outcome) outcome.routed.finish = (x) => finished.push(x);
      return outcome;
    },
  };
  return { r, seen, finished };
}

function routed(over: Partial<Extract<RouteOutcome, { routed: unknown }>['routed']> = {}): RouteOutcome {
  return {
    routed: {
      endpoints: ['10.0.0.7:8000', '10.0.0.8:8000'],
      requestHeaders: { 'x-modeswitch-type': 'chat' },
      body: new TextEncoder().encode(CHAT),
      responseHeaders: { 'x-modeswitch-mode': 'fp8', 'x-modeswitch-rule': 'default' },
      hideUsageChunk: false,
      finish: () => {},
      ...over,
    },
  };
}

describe('ExtProcSession (FULL_DUPLEX_STREAMED)', () => {
  it('holds the request headers until the body is complete, then answers headers and streams the body back', () => {
    const { r, seen } = routing();
    const s = new ExtProcSession(r);
    expect(s.onRequest(requestHeaders(POST))).toEqual([]);
    expect(s.onRequest(requestBody(CHAT.slice(0, 10), false))).toEqual([]);
    const out = s.onRequest(requestBody(CHAT.slice(10), true));
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', subset: undefined });
    expect(new TextDecoder().decode(seen[0]!.body)).toBe(CHAT);
    expect(out.map((o) => o.response.case)).toEqual(['requestHeaders', 'requestBody']);
    expect(streamedBodyOf(out[1]!)).toEqual({ body: CHAT, endOfStream: true });
  });

  it('names the pick and its fallbacks in the header and in envoy.lb dynamic metadata, with the same value', () => {
    const s = new ExtProcSession(routing().r);
    s.onRequest(requestHeaders(POST));
    const [headers] = s.onRequest(requestBody(CHAT, true));
    const set = setHeadersOf(headers!);
    expect(set['x-gateway-destination-endpoint']).toBe('10.0.0.7:8000,10.0.0.8:8000');
    expect(headers!.dynamicMetadata).toEqual({
      'envoy.lb': { 'x-gateway-destination-endpoint': '10.0.0.7:8000,10.0.0.8:8000' },
    });
    expect(set['x-modeswitch-type']).toBe('chat');
    expect(commonOf(headers!)?.clearRouteCache).toBe(true);
  });

  it('passes the subset hint on, as a list or as one comma-separated string', () => {
    for (const hint of [['10.0.0.8:8000', '10.0.0.9:8000'], '10.0.0.8:8000, 10.0.0.9:8000']) {
      const { r, seen } = routing();
      const s = new ExtProcSession(r);
      s.onRequest(requestHeaders(POST, { filterMetadata: subsetMetadata(hint) }));
      s.onRequest(requestBody(CHAT, true));
      expect(seen[0]!.subset).toEqual(['10.0.0.8:8000', '10.0.0.9:8000']);
    }
  });

  it('tells an empty subset hint (nothing allowed) from no hint', () => {
    const { r, seen } = routing();
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST, { filterMetadata: subsetMetadata([]) }));
    s.onRequest(requestBody(CHAT, true));
    expect(seen[0]!.subset).toEqual([]);
  });

  it('answers a refusal as an ImmediateResponse with a JSON error and sends nothing upstream', () => {
    const s = new ExtProcSession(
      routing(() => ({
        refused: {
          status: 503,
          error: { message: 'no mode can serve', type: 'service_unavailable', param: null, code: null },
          headers: { 'retry-after': '1' },
        },
      })).r,
    );
    s.onRequest(requestHeaders(POST));
    const out = s.onRequest(requestBody(CHAT, true));
    expect(out).toHaveLength(1);
    const imm = immediateOf(out[0]!);
    expect(imm.status).toBe(503);
    expect(imm.body.error.message).toBe('no mode can serve');
    expect(imm.headers).toMatchObject({ 'content-type': 'application/json', 'retry-after': '1' });
  });

  it('answers 413 as soon as the body passes the limit, and ignores the rest of it', () => {
    const { r, seen } = routing();
    r.maxRequestBytes = 8;
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST));
    expect(immediateOf(s.onRequest(requestBody('0123456789', false))[0]!).status).toBe(413);
    expect(s.onRequest(requestBody('more', true))).toEqual([]);
    expect(seen).toHaveLength(0);
  });

  it('routes a request without a body on its headers alone', () => {
    const { r, seen } = routing();
    const s = new ExtProcSession(r);
    const out = s.onRequest(requestHeaders({ ':method': 'GET', ':path': '/v1/models' }, { endOfStream: true }));
    expect(out.map((o) => o.response.case)).toEqual(['requestHeaders']);
    expect(seen[0]!.body).toHaveLength(0);
  });

  it('treats request trailers as the end of the body', () => {
    const s = new ExtProcSession(routing().r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, false));
    const out = s.onRequest(requestTrailers());
    expect(out.map((o) => o.response.case)).toEqual(['requestHeaders', 'requestBody', 'requestTrailers']);
    expect(streamedBodyOf(out[1]!).endOfStream).toBe(false);
  });

  it('splits a large body into chunks of at most 64 KiB, the last one ending the stream', () => {
    const big = new Uint8Array(MAX_BODY_CHUNK * 2 + 5).fill(0x61);
    const s = new ExtProcSession(routing(() => routed({ body: big })).r);
    s.onRequest(requestHeaders(POST));
    const out = s.onRequest(requestBody(big, true)).slice(1);
    expect(out.map((o) => streamedBodyOf(o).body.length)).toEqual([MAX_BODY_CHUNK, MAX_BODY_CHUNK, 5]);
    expect(out.map((o) => streamedBodyOf(o).endOfStream)).toEqual([false, false, true]);
  });

  it('fixes content-length when the router rewrote the body', () => {
    const rewritten = new TextEncoder().encode(CHAT.replace('}', ',"stream_options":{"include_usage":true}}'));
    const s = new ExtProcSession(routing(() => routed({ body: rewritten })).r);
    s.onRequest(requestHeaders({ ...POST, 'content-length': String(CHAT.length) }));
    const [headers] = s.onRequest(requestBody(CHAT, true));
    expect(setHeadersOf(headers!)['content-length']).toBe(String(rewritten.length));
  });

  it('marks the answer with mode and rule and accounts status, served pod and usage of a JSON answer', () => {
    const { r, finished } = routing();
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, true));
    const [rh] = s.onRequest(
      responseHeaders(
        { ':status': '200', 'content-type': 'application/json' },
        { filterMetadata: servedMetadata('10.0.0.8:8000') },
      ),
    );
    expect(setHeadersOf(rh!)).toEqual({ 'x-modeswitch-mode': 'fp8', 'x-modeswitch-rule': 'default' });
    const answer = JSON.stringify({
      choices: [{ message: { content: 'hello' } }],
      usage: { prompt_tokens: 9, completion_tokens: 2 },
    });
    expect(streamedBodyOf(s.onRequest(responseBody(answer.slice(0, 20), false))[0]!).body).toBe(answer.slice(0, 20));
    expect(finished).toHaveLength(0);
    expect(streamedBodyOf(s.onRequest(responseBody(answer.slice(20), true))[0]!)).toEqual({
      body: answer.slice(20),
      endOfStream: true,
    });
    expect(finished).toEqual([
      {
        status: 200,
        servedEndpoint: '10.0.0.8:8000',
        usage: { promptTokens: 9, completionTokens: 2 },
        firstByteAt: 1000,
      },
    ]);
  });

  it("counts a stream's usage chunk and removes it when the router asked for it, even split across chunks", () => {
    const { r, finished } = routing(() => routed({ hideUsageChunk: true }));
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, true));
    s.onRequest(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const text = 'data: {"choices":[{"delta":{"content":"hé"}}]}\n\n';
    const usage = 'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}\n\n';
    const all = new TextEncoder().encode(text + usage + 'data: [DONE]\n\n');
    const cut = text.length + 20;
    const passed = [
      ...s.onRequest(responseBody(all.subarray(0, cut), false)),
      ...s.onRequest(responseBody(all.subarray(cut), true)),
    ];
    expect(passed.map((p) => streamedBodyOf(p).body).join('')).toBe(text + 'data: [DONE]\n\n');
    expect(streamedBodyOf(passed[passed.length - 1]!).endOfStream).toBe(true);
    expect(finished[0]!.usage).toEqual({ promptTokens: 5, completionTokens: 1 });
  });

  it('passes a stream through byte for byte when the client asked for usage itself', () => {
    const s = new ExtProcSession(routing().r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, true));
    s.onRequest(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const partial = 'data: {"choices":[],"usage":{"prompt_t';
    expect(streamedBodyOf(s.onRequest(responseBody(partial, false))[0]!).body).toBe(partial);
  });

  it('counts a cancelled stream once, as 499', () => {
    const { r, finished } = routing();
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, true));
    s.onRequest(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    s.onStreamEnd();
    s.onStreamEnd();
    expect(finished.map((f) => f.status)).toEqual([499]);
  });

  it('accounts an answer without a body when its headers end the stream', () => {
    const { r, finished } = routing();
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, true));
    s.onRequest(responseHeaders({ ':status': '204' }, { endOfStream: true }));
    s.onStreamEnd();
    expect(finished.map((f) => f.status)).toEqual([204]);
  });

  it('counts a stream the data plane closes after routing and before any response as 499', () => {
    const { r, finished } = routing();
    const s = new ExtProcSession(r);
    s.onRequest(requestHeaders(POST));
    s.onRequest(requestBody(CHAT, true));
    s.onStreamEnd();
    expect(finished.map((f) => f.status)).toEqual([499]);
  });

  it('answers a request body sent before any request headers with 400', () => {
    const { r, seen } = routing();
    const [answer] = new ExtProcSession(r).onRequest(requestBody(CHAT, true));
    expect(immediateOf(answer!).status).toBe(400);
    expect(immediateOf(answer!).body.error.message).toMatch(/body came before the request headers/);
    expect(seen).toHaveLength(0);
  });

  it("takes the body from the router's budget while it is buffered, and refuses one client past its share with 429", () => {
    const budget = new BufferBudget({ ...ROUTER_DEFAULTS.limits, maxBufferedBytesPerClient: 100 });
    const { r } = routing(undefined, budget);
    const alice = { ...POST, authorization: 'Bearer alice' };
    const first = new ExtProcSession(r);
    first.onRequest(requestHeaders(alice));
    first.onRequest(requestBody('x'.repeat(80), false));
    expect(budget.bufferedBytes).toBe(80);
    const second = new ExtProcSession(r);
    second.onRequest(requestHeaders(alice));
    const [refused] = second.onRequest(requestBody('x'.repeat(30), false));
    expect(immediateOf(refused!)).toMatchObject({ status: 429, headers: { 'retry-after': '1' } });
    // Another client still has its share.
    const bob = new ExtProcSession(r);
    bob.onRequest(requestHeaders({ ...POST, authorization: 'Bearer bob' }));
    expect(bob.onRequest(requestBody('x'.repeat(30), false))).toEqual([]);
    first.onStreamEnd();
    bob.onStreamEnd();
    expect(budget.bufferedBytes).toBe(0);
  });

  it('answers a request still arriving when its time is up with 408, and nothing once it is in', () => {
    const reading = new ExtProcSession(routing().r);
    reading.onRequest(requestHeaders(POST));
    reading.onRequest(requestBody('{"model"', false));
    expect(immediateOf(reading.timeOut(300)[0]!).status).toBe(408);
    const done = new ExtProcSession(routing().r);
    done.onRequest(requestHeaders(POST));
    done.onRequest(requestBody(CHAT, true));
    expect(done.timeOut(300)).toEqual([]);
  });
});
