import { create } from '@bufbuild/protobuf';
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { GenerateRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { GenerateResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/observability/logger.js';
import { createRouter } from '../../src/router/create-router.js';
import { staticSource } from '../../src/router/pods/static-source.js';
import { chat, MODEL, startHarness, testPolicy } from './support/harness.js';
import { waitFor } from '../support/eventually.js';
import type { Harness } from './support/harness.js';

const SHORT_TO_INT4 = [{ name: 'short', when: 'request.inputTokens < 512', mode: 'int4' }];

async function metricsText(h: Harness): Promise<string> {
  return (await fetch(h.metricsUrl)).text();
}

describe('guards move a decision down the fallback chain', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('leaves a mode whose GPUs draw more than maxGpuPowerWatts', async () => {
    const policy = testPolicy(
      { defaultMode: 'fp8', rules: SHORT_TO_INT4, fallback: ['fp8'], guards: { maxGpuPowerWatts: 80 } },
      ['int4', 'fp8'],
    );
    // An idle H100 draws 100 W, an idle L40S 35 W: int4 is over the cap, fp8 under it.
    h = await startHarness(policy, { int4: { preset: 'int4-awq' }, fp8: { preset: 'fp8', engine: { gpu: 'l40s' } } });
    await waitFor('int4 power', () => h.router.core.modeView()?.states.get('int4')?.powerWatts !== undefined);
    const r = await chat(h.http, 'hello');
    expect([r.status, r.mode, r.rule]).toEqual([200, 'fp8', 'short']);
    expect(await metricsText(h)).toMatch(
      /modeswitch_fallbacks_total\{policy="llm\/llama",from="int4",to="fp8",reason="gpu_power"\} 1/,
    );
  });

  it('leaves a saturated mode (queue above maxQueueDepth)', async () => {
    const policy = testPolicy(
      { defaultMode: 'fp8', rules: SHORT_TO_INT4, fallback: ['fp8'], guards: { maxQueueDepth: 1 } },
      ['int4', 'fp8'],
    );
    h = await startHarness(policy, {
      int4: { preset: 'int4-awq', engine: { maxNumSeqs: 1, timeScale: 1 } },
      fp8: { preset: 'fp8' },
    });
    const int4 = h.engines.get('int4')?.[0];
    // Fill int4 directly: one long request runs, the others wait in its queue.
    const load = new AbortController();
    const fillers = Array.from({ length: 4 }, () =>
      fetch(`${int4?.url}/v1/completions`, {
        method: 'POST',
        signal: load.signal,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 4000, ignore_eos: true }),
      }).catch(() => undefined),
    );
    try {
      await waitFor('int4 queue', () => Number(h.router.core.modeView()?.states.get('int4')?.queueDepth ?? 0) > 1);
      const r = await chat(h.http, 'hello');
      expect([r.status, r.mode, r.rule]).toEqual([200, 'fp8', 'short']);
      expect(await metricsText(h)).toMatch(
        /modeswitch_fallbacks_total\{policy="llm\/llama",from="int4",to="fp8",reason="queue_depth"\} 1/,
      );
    } finally {
      load.abort();
      await Promise.all(fillers);
    }
  });

  it('leaves a mode whose engine fails, before any byte reached the client', async () => {
    const policy = testPolicy({ defaultMode: 'fp8', rules: SHORT_TO_INT4, fallback: ['fp8'] }, ['int4', 'fp8']);
    h = await startHarness(policy, { int4: { preset: 'int4-awq' }, fp8: { preset: 'fp8' } });
    h.engines.get('int4')?.[0]?.setFault('down');
    const r = await chat(h.http, 'hello', { stream: true });
    expect([r.status, r.mode]).toEqual([200, 'fp8']);
    expect(await metricsText(h)).toMatch(
      /modeswitch_fallbacks_total\{policy="llm\/llama",from="int4",to="fp8",reason="upstream_error"\} 1/,
    );
  });

  it('answers 503 and turns unready when no mode has a pod', async () => {
    const policy = testPolicy({ defaultMode: 'fp8', rules: SHORT_TO_INT4, fallback: ['fp8'] }, ['int4', 'fp8']);
    h = await startHarness(policy, { int4: { preset: 'int4-awq' }, fp8: { preset: 'fp8' } });
    expect((await fetch(`${h.http}/readyz`)).status).toBe(200);
    h.router.registry.update(
      new Map([
        ['int4', []],
        ['fp8', []],
      ]),
    );
    const r = await chat(h.http, 'hello');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).error.message).toContain('no ready pod');
    expect((await fetch(`${h.http}/readyz`)).status).toBe(503);
  });
});

describe('a pod killed mid-test', () => {
  let h: Harness;
  afterAll(async () => h.close());

  it('fails no request that had not started streaming', async () => {
    const policy = testPolicy({ defaultMode: 'fp8' }, ['fp8']);
    h = await startHarness(policy, { fp8: { preset: 'fp8', replicas: 2, engine: { timeScale: 2 } } });
    const victim = h.engines.get('fp8')?.[0];
    const whole = Array.from({ length: 16 }, (_, i) => chat(h.http, `question ${i}`, { max_tokens: 100 }));
    const streamed = Array.from({ length: 8 }, async (_, i) => {
      const res = await fetch(`${h.http}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, prompt: `story ${i}`, max_tokens: 100, stream: true }),
      });
      // Headers arrive only with the first byte of the answer: a non-200 here is a request that failed unstarted.
      const started = res.status === 200;
      const completed = await res.text().then(
        (t) => t.includes('[DONE]'),
        () => false,
      );
      return { started, completed };
    });
    await new Promise((r) => setTimeout(r, 100));
    await victim?.close();
    const after = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(h.http, `after ${i}`, { max_tokens: 5 })));
    expect((await Promise.all(whole)).map((r) => r.status)).toEqual(Array(16).fill(200));
    expect((await Promise.all(streamed)).every((s) => s.started)).toBe(true);
    expect(after.map((r) => r.status)).toEqual(Array(8).fill(200));
  });
});

describe('an unreachable exporter', () => {
  let h: Harness;
  afterAll(async () => h.close());

  it('degrades to rules on what is known: power rules stop matching, requests still succeed', async () => {
    const policy = testPolicy(
      {
        defaultMode: 'fp8',
        rules: [{ name: 'power-cap', when: "modes['int4'].powerWatts < 1000.0", mode: 'int4' }],
        guards: { telemetryMaxAgeSeconds: 0.5 },
      },
      ['int4', 'fp8'],
    );
    h = await startHarness(policy, { int4: { preset: 'int4-awq' }, fp8: { preset: 'fp8' } });
    await waitFor('int4 power', () => h.router.core.modeView()?.states.get('int4')?.powerWatts !== undefined);
    expect((await chat(h.http, 'hi')).rule).toBe('power-cap');
    h.exporter.setUnreachable(true);
    await waitFor('int4 power unknown', () => h.router.core.modeView()?.states.get('int4')?.powerWatts === undefined);
    const r = await chat(h.http, 'hi');
    expect([r.status, r.mode, r.rule]).toEqual([200, 'fp8', 'default']);
    // Engine telemetry is still fresh: only the exporter's values went unknown.
    expect(h.router.core.modeView()?.states.get('int4')?.queueDepth).toBeDefined();
  });
});

describe('malformed and oversized requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: { preset: 'fp8' } },
      { maxRequestBytes: 4096 },
    );
  });
  afterAll(async () => h.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it.each([
    ['invalid JSON', '/v1/chat/completions', '{"model":', {}],
    ['no messages', '/v1/chat/completions', JSON.stringify({ model: MODEL }), {}],
    [
      'a bad role',
      '/v1/chat/completions',
      JSON.stringify({ model: MODEL, messages: [{ role: 'robot', content: 'x' }] }),
      {},
    ],
    ['a negative max_tokens', '/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: -1 }), {}],
    ['a temperature above 2', '/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x', temperature: 3 }), {}],
    ['a top_p of 0', '/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x', top_p: 0 }), {}],
    [
      'a temperature that is text',
      '/v1/completions',
      JSON.stringify({ model: MODEL, prompt: 'x', temperature: 'hot' }),
      {},
    ],
    [
      'an unknown type hint',
      '/v1/completions',
      JSON.stringify({ model: MODEL, prompt: 'x' }),
      { 'x-modeswitch-type': 'poetry' },
    ],
  ])('answers 400 to %s', async (_what, path, body, headers) => {
    const res = await post(path, body, headers);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('answers 404 to an unknown model', async () => {
    expect((await post('/v1/completions', JSON.stringify({ model: 'gpt-4', prompt: 'x' }))).status).toBe(404);
  });

  it('answers 413 to an oversized body', async () => {
    const res = await post('/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x'.repeat(10_000) }));
    expect(res.status).toBe(413);
  });

  const grpcCall = (req: Parameters<typeof create<typeof GenerateRequestSchema>>[1]) =>
    new Promise<ServiceError>((resolve, reject) => {
      const call = h.grpc.generate(create(GenerateRequestSchema, req), new Metadata());
      call.on('data', (_: GenerateResponse) => undefined);
      call.on('error', resolve);
      call.on('end', () => reject(new Error('the call succeeded')));
    });

  it('answers INVALID_ARGUMENT to a request with both prompt and messages, or neither', async () => {
    expect((await grpcCall({ prompt: 'x', messages: [{ role: 'user', content: 'y' }] })).code).toBe(
      status.INVALID_ARGUMENT,
    );
    expect((await grpcCall({})).code).toBe(status.INVALID_ARGUMENT);
  });

  it('answers NOT_FOUND to an unknown model and RESOURCE_EXHAUSTED to an oversized message', async () => {
    expect((await grpcCall({ model: 'gpt-4', prompt: 'x' })).code).toBe(status.NOT_FOUND);
    expect((await grpcCall({ prompt: 'x'.repeat(10_000) })).code).toBe(status.RESOURCE_EXHAUSTED);
  });
});

describe('graceful drain', () => {
  it('finishes requests in flight, turns unready and refuses new ones', async () => {
    const h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), {
      fp8: { preset: 'fp8', engine: { timeScale: 2 } },
    });
    try {
      const inFlight = chat(h.http, 'a long answer please', { max_tokens: 100, stream: true });
      await waitFor('request in flight', () => h.router.registry.pods('fp8')[0]?.inFlight === 1);
      const stopped = h.router.stop();
      expect(h.router.ready()).toBe(false);
      const r = await inFlight;
      expect(r.status).toBe(200);
      expect(r.body).toContain('[DONE]');
      await stopped;
      await expect(fetch(`${h.http}/v1/models`)).rejects.toThrow();
    } finally {
      h.grpc.close();
      await h.exporter.close();
      await Promise.all([...h.engines.values()].flat().map((e) => e.close()));
    }
  });

  it('lets a gRPC stream in flight finish instead of cutting it at the end of the drain window', async () => {
    const h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), {
      fp8: { preset: 'fp8', engine: { timeScale: 2 } },
    });
    try {
      const stream = h.grpc.generate(
        create(GenerateRequestSchema, { model: MODEL, prompt: 'a long answer please', maxTokens: 80 }),
      );
      const events: unknown[] = [];
      const ended = new Promise<number>((resolve) => {
        stream.on('data', (e: unknown) => events.push(e));
        stream.on('error', (e: { code: number }) => resolve(e.code));
        stream.on('end', () => resolve(status.OK));
      });
      await waitFor('the stream to start', () => events.length > 0);
      const stopped = h.router.stop();
      expect(await ended).toBe(status.OK);
      await stopped;
      expect(events.length).toBeGreaterThan(1);
    } finally {
      h.grpc.close();
      await h.exporter.close();
      await Promise.all([...h.engines.values()].flat().map((e) => e.close()));
    }
  });

  it('refuses a gRPC call that arrives during the drain with UNAVAILABLE, so the client retries elsewhere', async () => {
    const h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), {
      fp8: { preset: 'fp8', engine: { timeScale: 2 } },
    });
    try {
      const holder = chat(h.http, 'a long answer please', { max_tokens: 100, stream: true });
      await waitFor('request in flight', () => h.router.registry.pods('fp8')[0]?.inFlight === 1);
      const stopped = h.router.stop();
      const late = h.grpc.generate(create(GenerateRequestSchema, { model: MODEL, prompt: 'too late', maxTokens: 500 }));
      const code = await new Promise<number>((resolve) => {
        late.on('data', () => undefined);
        late.on('error', (e: { code: number }) => resolve(e.code));
        late.on('end', () => resolve(status.OK));
      });
      expect(code).toBe(status.UNAVAILABLE);
      expect((await holder).status).toBe(200);
      await stopped;
    } finally {
      h.grpc.close();
      await h.exporter.close();
      await Promise.all([...h.engines.values()].flat().map((e) => e.close()));
    }
  });

  it('releases everything when a port is taken, so the process can exit with the error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const discovery = staticSource(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: ['http://127.0.0.1:9/#llm/p'] });
    let discoveryStopped = false;
    const router = createRouter({
      discovery: {
        start: (l) => discovery.start(l),
        stop: async () => {
          discoveryStopped = true;
          await discovery.stop();
        },
      },
      listen: { host: '127.0.0.1', grpcPort: 0, httpPort: taken, metricsPort: 0 },
      dcgmUrls: [],
      scrapeIntervalMs: 50,
      maxRequestBytes: 1024,
      drainTimeoutMs: 100,
      logger: createLogger('test', { level: 'error' }),
    });
    try {
      await expect(router.start()).rejects.toThrow(/EADDRINUSE/);
      expect(discoveryStopped).toBe(true);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
