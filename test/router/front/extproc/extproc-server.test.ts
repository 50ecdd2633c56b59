import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { InferenceModePolicy } from '../../../../src/api/v1alpha1/types.js';
import type { ProcessingResponse } from '../../../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import { MODEL, testPolicy } from '../../support/harness.js';
import { closedAfterEachTest, type RouterOver, type StandInEngine } from '../../support/stand-in-engine.js';
import {
  commonOf,
  extProcClient,
  ExtProcStream,
  healthOf,
  immediateOf,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
  servedMetadata,
  setHeadersOf,
  streamedBodyOf,
  subsetMetadata,
  type ExtProcClient,
} from '../../../support/envoy-ext-proc.js';

const fleet = closedAfterEachTest();
/** The engines of the router `start` made. */
let engines: StandInEngine[] = [];
let r: RouterOver | undefined;
let client: ExtProcClient | undefined;
let target = '';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A router with its Endpoint Picker port over stand-in engines: `mode → number of pods`. */
async function start(
  pods: Record<string, number>,
  routing: InferenceModePolicy['spec']['routing'] = {
    defaultMode: Object.keys(pods)[0] as string,
    fallback: Object.keys(pods).slice(1),
  },
  extraModes: InferenceModePolicy['spec']['modes'] = [],
) {
  const byMode: Record<string, StandInEngine[]> = {};
  for (const [mode, n] of Object.entries(pods)) {
    byMode[mode] = [];
    for (let i = 0; i < n; i++) {
      byMode[mode].push(await fleet.engine());
    }
  }
  const port = await freePort();
  const policy = testPolicy(routing, Object.keys(pods));
  policy.spec.modes.push(...extraModes);
  r = await fleet.router(policy, byMode, {
    listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: port },
  });
  target = `127.0.0.1:${port}`;
  client = fleet.closing(extProcClient(target));
  engines = Object.values(byMode).flat();
  return byMode;
}

const endpointOf = (e: StandInEngine) => e.url.replace('http://', '');
const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 8, ...extra });
const POST = {
  ':method': 'POST',
  ':path': '/v1/chat/completions',
  ':authority': 'gw',
  'content-type': 'application/json',
};

/** Sends a whole request as Envoy does (headers, then the body in two chunks) and returns the picker's answers. */
async function ask(
  stream: ExtProcStream,
  body = chatBody(),
  opts: Parameters<typeof requestHeaders>[1] = {},
): Promise<ProcessingResponse[]> {
  stream.send(
    requestHeaders({ ...POST, 'content-length': String(body.length) }, opts),
    requestBody(body.slice(0, 7), false),
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  // FULL_DUPLEX_STREAMED: nothing comes back before the body is complete, the body decides the mode.
  expect(stream.pending()).toBe(0);
  stream.send(requestBody(body.slice(7), true));
  const [first] = await stream.next(1);
  if (first!.response.case === 'immediateResponse') return [first!];
  const rest: ProcessingResponse[] = [];
  for (;;) {
    const [b] = await stream.next(1);
    rest.push(b!);
    if (streamedBodyOf(b!).endOfStream) break;
  }
  return [first!, ...rest];
}

/** What Envoy does with the answers: forward the streamed-back body, with the set headers, to the first endpoint. */
async function forward(
  answers: ProcessingResponse[],
): Promise<{ endpoint: string; status: number; contentType: string; text: string }> {
  const set = setHeadersOf(answers[0]!);
  const endpoint = set['x-gateway-destination-endpoint']!.split(',')[0]!;
  const body = answers
    .slice(1)
    .map((a) => streamedBodyOf(a).body)
    .join('');
  const headers = Object.fromEntries(Object.entries({ ...POST, ...set }).filter(([k]) => !k.startsWith(':')));
  delete headers['content-length'];
  const res = await fetch(`http://${endpoint}/v1/chat/completions`, { method: 'POST', headers, body });
  return { endpoint, status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('the Endpoint Picker (ext_proc) front', () => {
  it('picks a pod once the body is in and says so in the header and in envoy.lb metadata, the same ordered list', async () => {
    const pods = await start({ fp8: 2, fp16: 1 });
    const stream = new ExtProcStream(client!);
    const answers = await ask(stream);
    expect(answers.map((a) => a.response.case)).toEqual(['requestHeaders', 'requestBody']);
    const list = setHeadersOf(answers[0]!)['x-gateway-destination-endpoint']!;
    expect(answers[0]!.dynamicMetadata).toEqual({ 'envoy.lb': { 'x-gateway-destination-endpoint': list } });
    // The pick first, then the fallbacks the router's own retries would take: the other fp8 pod, then fp16.
    const fp8 = pods.fp8!.map(endpointOf);
    const order = list.split(',');
    expect(order.slice(0, 2).sort()).toEqual([...fp8].sort());
    expect(order[2]).toBe(endpointOf(pods.fp16![0]!));
    const forwarded = await forward(answers);
    expect(forwarded.status).toBe(200);
    const call = engines.flatMap((e) => e.calls)[0]!;
    expect(call.headers['x-modeswitch-type']).toBeDefined();
    expect(JSON.parse(call.body).messages[0].content).toBe('hello there');
    stream.end();
  });

  it('marks the answer with mode and rule, reads the served pod and counts its usage under the mode that served', async () => {
    const pods = await start({ fp8: 1, fp16: 1 });
    const stream = new ExtProcStream(client!);
    const answers = await ask(stream, chatBody({ stream: true }));
    // The router asks for the usage chunk itself (to count tokens) and will hide it again.
    expect(
      JSON.parse(
        answers
          .slice(1)
          .map((a) => streamedBodyOf(a).body)
          .join(''),
      ).stream_options,
    ).toEqual({ include_usage: true });
    // The gateway's first try failed; the fallback pod (fp16) answered.
    const served = endpointOf(pods.fp16![0]!);
    stream.send(
      responseHeaders(
        { ':status': '200', 'content-type': 'text/event-stream' },
        { filterMetadata: servedMetadata(served) },
      ),
    );
    const [rh] = await stream.next(1);
    expect(setHeadersOf(rh!)).toMatchObject({ 'x-modeswitch-mode': 'fp8', 'x-modeswitch-rule': 'default' });
    const text = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n';
    const usage = 'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}\n\n';
    stream.send(responseBody(text, false), responseBody(usage + 'data: [DONE]\n\n', true));
    const passed = await stream.next(2);
    expect(passed.map((p) => streamedBodyOf(p).body).join('')).toBe(text + 'data: [DONE]\n\n');
    stream.end();
    expect(await stream.closed).toBe(0);
    const metrics = await r!.metrics();
    expect(metrics).toMatch(/modeswitch_requests_total\{[^}]*mode="fp16"[^}]*code="200"[^}]*\} 1/);
    expect(metrics).toMatch(/modeswitch_tokens_total\{[^}]*mode="fp16",kind="output"\} 3/);
  });

  it('picks only from the subset hint, and answers 503 when the hint names no pod of the pool', async () => {
    const pods = await start({ fp8: 3 });
    const allowed = endpointOf(pods.fp8![2]!);
    const s1 = new ExtProcStream(client!);
    const a1 = await ask(s1, chatBody(), { filterMetadata: subsetMetadata([allowed, '10.9.9.9:8000']) });
    expect(setHeadersOf(a1[0]!)['x-gateway-destination-endpoint']).toBe(allowed);
    s1.end();
    for (const hint of [['10.9.9.9:8000'], []]) {
      const s = new ExtProcStream(client!);
      const [answer] = await ask(s, chatBody(), { filterMetadata: subsetMetadata(hint) });
      expect(immediateOf(answer!).status).toBe(503);
      s.end();
    }
    expect(engines.flatMap((e) => e.calls)).toHaveLength(0);
  });

  it('answers malformed bodies 400 and other models 404 as ImmediateResponses in OpenAI error shape', async () => {
    await start({ fp8: 1 });
    const cases: Array<[string, number, RegExp]> = [
      ['{"model": ', 400, /not valid JSON/],
      [JSON.stringify({ model: MODEL, messages: [] }), 400, /messages/],
      [JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] }), 404, /does not exist/],
    ];
    for (const [body, status, message] of cases) {
      const s = new ExtProcStream(client!);
      const [answer] = await ask(s, body);
      const imm = immediateOf(answer!);
      expect([imm.status, imm.body.error.message]).toEqual([status, expect.stringMatching(message)]);
      expect(imm.headers['content-type']).toBe('application/json');
      s.end();
    }
  });

  it('sheds a sheddable request with 429 when every pod is busy, and answers others 503', async () => {
    // A pod whose engine reports a queue past the policy's guard (default maxQueueDepth 32).
    const busy = createHttpServer((req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(
          req.url === '/metrics'
            ? 'vllm:num_requests_waiting 50\nvllm:num_requests_running 8\nvllm:kv_cache_usage_perc 0.5\n'
            : 'ok',
        ),
    );
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(busy.address() as { port: number }).port}`;
    const port = await freePort();
    const fake = {
      url,
      calls: [],
      handle: () => undefined,
      close: () => new Promise<void>((resolve) => busy.close(() => resolve())),
    } as unknown as StandInEngine;
    fleet.closing(fake);
    r = await fleet.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [fake] },
      { listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: port } },
    );
    client = fleet.closing(extProcClient(`127.0.0.1:${port}`));
    const statusFor = async (priority?: string) => {
      const s = new ExtProcStream(client!);
      const body = chatBody();
      s.send(
        requestHeaders({ ...POST, ...(priority ? { 'x-modeswitch-priority': priority } : {}) }),
        requestBody(body, true),
      );
      const [first] = await s.next(1);
      s.end();
      return first!.response.case === 'immediateResponse' ? immediateOf(first!).status : 200;
    };
    // Until the first scrape the queue is unknown, and unknown never trips a guard.
    const deadline = Date.now() + 5000;
    while ((await statusFor()) === 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await statusFor('-1')).toBe(429);
    expect(await statusFor()).toBe(503);
  });

  it('answers 503 with retry-after when no pod is ready', async () => {
    await start({ fp8: 1 });
    await fleet.closeEngines();
    // The router's health checks notice the pod is gone.
    const deadline = Date.now() + 5000;
    while (r!.router.ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const s = new ExtProcStream(client!);
    const [answer] = await ask(s);
    const imm = immediateOf(answer!);
    expect(imm.status).toBe(503);
    expect(imm.headers['retry-after']).toBe('1');
    s.end();
  });

  it('counts a request whose client went away mid-answer as cancelled (499)', async () => {
    await start({ fp8: 1 });
    const s = new ExtProcStream(client!);
    await ask(s, chatBody({ stream: true }));
    s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s.next(1);
    s.cancel();
    const deadline = Date.now() + 3000;
    let metrics = '';
    while (Date.now() < deadline && !/code="499"/.test(metrics)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await r!.metrics();
    }
    expect(metrics).toMatch(/modeswitch_requests_total\{[^}]*mode="fp8"[^}]*code="499"[^}]*\} 1/);
  });

  it('serves gRPC health for liveness, readiness and the ext_proc service', async () => {
    await start({ fp8: 1 });
    expect(await healthOf(target, 'liveness')).toBe('SERVING');
    expect(await healthOf(target, 'readiness')).toBe('SERVING');
    expect(await healthOf(target, 'envoy.service.ext_proc.v3.ExternalProcessor')).toBe('SERVING');
    await fleet.closeEngines();
    const deadline = Date.now() + 5000;
    while ((await healthOf(target, 'readiness')) === 'SERVING' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await healthOf(target, 'readiness')).toBe('NOT_SERVING');
    expect(await healthOf(target, 'envoy.service.ext_proc.v3.ExternalProcessor')).toBe('NOT_SERVING');
    expect(await healthOf(target, 'liveness')).toBe('SERVING');
  });

  it("honours the policy's trust in client hint headers, as the other fronts do", async () => {
    const rules = [{ name: 'code', when: "request.type == 'code'", mode: 'a' }];
    const pickFor = async () => {
      const s = new ExtProcStream(client!);
      s.send(requestHeaders({ ...POST, 'x-modeswitch-type': 'code' }), requestBody(chatBody(), true));
      const [first] = await s.next(1);
      s.end();
      return setHeadersOf(first!)['x-gateway-destination-endpoint']!.split(',')[0];
    };
    let pods = await start({ a: 1, b: 1 }, { defaultMode: 'b', rules });
    expect(await pickFor()).toBe(endpointOf(pods.a![0]!));
    client!.close();
    await r!.close();
    pods = await start({ a: 1, b: 1 }, { defaultMode: 'b', rules, clientHints: 'Ignore' });
    expect(await pickFor()).toBe(endpointOf(pods.b![0]!));
  });

  it("never passes the client's Authorization on to the engine", async () => {
    await start({ fp8: 1 });
    const s = new ExtProcStream(client!);
    s.send(requestHeaders({ ...POST, authorization: 'Bearer client-key' }), requestBody(chatBody(), true));
    const [first] = await s.next(1);
    s.end();
    const mutation = commonOf(first!)?.headerMutation;
    expect(mutation?.removeHeaders).toContain('authorization');
    expect(setHeadersOf(first!)['authorization']).toBeUndefined();
  });

  it('clears the route cache so a gateway can route on the destination header', async () => {
    await start({ fp8: 1 });
    const s = new ExtProcStream(client!);
    const answers = await ask(s);
    expect(commonOf(answers[0]!)?.clearRouteCache).toBe(true);
    s.end();
  });
  it("keeps a LoRA adapter's fallback list to the pods that load it, asks them for the adapter and counts it as the adapter", async () => {
    // `code` is an adapter on fp16's pods, for the code domain; fp8 is the default.
    const code = {
      name: 'code',
      adapter: { base: 'fp16', source: '/models-cache/adapters/code', rank: 16 },
      domains: ['code'],
    };
    const pods = await start({ fp16: 2, fp8: 1 }, { defaultMode: 'fp8', fallback: ['fp16'] }, [code]);
    const stream = new ExtProcStream(client!);
    const body0 = chatBody();
    stream.send(
      requestHeaders({ ...POST, 'x-modeswitch-domain': 'code', 'content-length': String(body0.length) }),
      requestBody(body0, true),
    );
    const answers = [...(await stream.next(2))];
    const list = setHeadersOf(answers[0]!)['x-gateway-destination-endpoint']!.split(',');
    // fp8 would be a fallback for the router's own retries, but it does not know the adapter's name: left out.
    expect([...list].sort()).toEqual(pods.fp16!.map(endpointOf).sort());
    const body = JSON.parse(
      answers
        .slice(1)
        .map((a) => streamedBodyOf(a).body)
        .join(''),
    );
    expect(body.model).toBe('code');
    stream.send(
      responseHeaders(
        { ':status': '200', 'content-type': 'application/json' },
        { filterMetadata: servedMetadata(list[0]!) },
      ),
    );
    const [rh] = await stream.next(1);
    expect(setHeadersOf(rh!)).toMatchObject({ 'x-modeswitch-mode': 'code' });
    stream.send(responseBody(JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 4 } }), true));
    await stream.next(1);
    stream.end();
    expect(await stream.closed).toBe(0);
    expect(await r!.metrics()).toMatch(/modeswitch_tokens_total\{[^}]*mode="code",kind="output"\} 4/);
  });
});
