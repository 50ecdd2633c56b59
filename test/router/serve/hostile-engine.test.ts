import type { ServerResponse } from 'node:http';
import { MODEL, testPolicy } from '../support/harness.js';
import { closedAfterEachTest, type EngineHandler } from '../support/stand-in-engine.js';
import {
  ExtProcStream,
  extProcClient,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
  streamedBodyOf,
} from '../../support/envoy-ext-proc.js';

const fleet = closedAfterEachTest();

/** Usage no engine should send: `1e400` parses to Infinity, and counts below zero. */
const HOSTILE_USAGE = '"usage":{"prompt_tokens":-3,"completion_tokens":1e400}';

/** Answers hostile usage, streamed or whole as asked; a request whose prompt is "slow" is answered after 400 ms. */
const hostileEngine: EngineHandler = (_req, res: ServerResponse, body) => {
  const request = JSON.parse(body) as { stream?: boolean; prompt?: string };
  const answer = () => {
    if (!request.stream)
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"choices":[{"text":"ok"}],${HOSTILE_USAGE}}`);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"text":"ok"}]}\n\n');
    res.end(`data: {"choices":[],${HOSTILE_USAGE}}\n\ndata: [DONE]\n\n`);
  };
  if (request.prompt === 'slow') setTimeout(answer, 400);
  else answer();
};

/** Rejections nobody handled while a test ran: each one would have ended the router process. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => void process.off('unhandledRejection', onUnhandled));

const complete = (base: string, prompt: string, stream = false) =>
  fetch(`${base}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, prompt, max_tokens: 2, stream }),
    signal: AbortSignal.timeout(5000),
  });

describe('an engine that reports impossible token counts', () => {
  it('answers every HTTP request, those in flight included, and counts no tokens from it', async () => {
    const engine = await fleet.engine(hostileEngine);
    const r = await fleet.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [engine] });
    const inFlight = complete(r.http, 'slow');
    const answers = await Promise.all([complete(r.http, 'a'), complete(r.http, 'b', true), complete(r.http, 'c')]);
    for (const a of answers) expect(a.status).toBe(200);
    expect(await answers[1]!.text()).toContain('data: [DONE]');
    const slow = await inFlight;
    expect([slow.status, await slow.text()]).toEqual([200, expect.stringContaining('"ok"')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    const metrics = await r.metrics();
    expect(metrics).toMatch(/modeswitch_requests_total\{[^}]*code="200"[^}]*\} 4/);
    expect(metrics).not.toMatch(/modeswitch_tokens_total\{/);
    expect(metrics).not.toMatch(/modeswitch_router_faults_total\{/);
  });

  it('passes the answer through ext_proc and keeps the stream and the other streams going', async () => {
    const engine = await fleet.engine();
    const r = await fleet.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [engine] },
      { listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: 0 } },
    );
    const client = fleet.closing(extProcClient(r.extProcTarget!));
    const body = JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 2 });
    const streams = [0, 1].map(() => new ExtProcStream(client));
    for (const s of streams) {
      s.send(
        requestHeaders({ ':method': 'POST', ':path': '/v1/completions', 'content-type': 'application/json' }),
        requestBody(body, true),
      );
      await s.next(2);
      s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
      await s.next(1);
    }
    const hostile = `{"choices":[{"text":"ok"}],${HOSTILE_USAGE}}`;
    const [first, second] = streams as [ExtProcStream, ExtProcStream];
    first.send(responseBody(hostile.slice(0, 10), false), responseBody(hostile.slice(10), true));
    const passed = await first.next(2);
    expect(passed.map((p) => streamedBodyOf(p).body).join('')).toBe(hostile);
    first.end();
    expect(await first.closed).toBe(0);
    // The other stream, answered after, still gets its answer through.
    second.send(responseBody('{"choices":[{"text":"ok"}]}', true));
    expect(streamedBodyOf((await second.next(1))[0]!).body).toContain('"ok"');
    second.end();
    expect(await second.closed).toBe(0);
    expect(unhandled).toEqual([]);
    const metrics = await r.metrics();
    expect(metrics).toMatch(/modeswitch_requests_total\{[^}]*code="200"[^}]*\} 2/);
    expect(metrics).not.toMatch(/modeswitch_tokens_total\{/);
  });
});
