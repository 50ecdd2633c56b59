import { create } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { ClassifyRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { ClassifyResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import { chat, generateOver, MODEL, startHarness, testPolicy } from './support/harness.js';
import { waitFor } from '../support/eventually.js';
import { resolvePolicy } from '../../src/api/v1alpha1/defaults.js';
import { readRouterPage } from '../../src/capacity/router-demand.js';
import { seedPolicyModels } from '../../src/model/policy-models.js';
import type { GenerateInit, Harness } from './support/harness.js';

const policy = testPolicy(
  {
    defaultMode: 'fp8',
    rules: [
      { name: 'quality-first', when: "request.type in ['code', 'math']", mode: 'fp16' },
      { name: 'short', when: 'request.inputTokens < 512 && request.maxOutputTokens <= 128', mode: 'int4' },
      { name: 'long-output', when: "request.expectedOutputTokens > 256 && modes['spec'].queueDepth < 8", mode: 'spec' },
    ],
    fallback: ['fp8', 'fp16'],
  },
  ['fp16', 'fp8', 'int4', 'spec'],
);

let h: Harness;

beforeAll(async () => {
  h = await startHarness(policy, {
    fp16: { preset: 'fp16' },
    fp8: { preset: 'fp8' },
    int4: { preset: 'int4-awq' },
    spec: { preset: 'spec-ngram' },
  });
  await waitFor('spec telemetry', () => h.router.core.modeView()?.states.get('spec')?.queueDepth !== undefined);
});

afterAll(async () => {
  await h.close();
});

describe('each rule routes as written (OpenAI HTTP)', () => {
  it('sends code to fp16 by the quality-first rule', async () => {
    const r = await chat(h.http, 'Write a python function that reverses a linked list.');
    expect(r.status).toBe(200);
    expect([r.mode, r.rule]).toEqual(['fp16', 'quality-first']);
    expect(JSON.parse(r.body).choices[0].message.content.length).toBeGreaterThan(0);
  });

  it('sends a short chat to int4 by the short rule', async () => {
    const r = await chat(h.http, 'Hello there, how are you today?', { max_tokens: 64 });
    expect([r.status, r.mode, r.rule]).toEqual([200, 'int4', 'short']);
  });

  it('sends a long expected answer to spec while its queue is short, honouring the client hint', async () => {
    const r = await chat(
      h.http,
      'Tell me a story about a lighthouse keeper.',
      { max_tokens: 1024 },
      { 'x-modeswitch-expected-output-tokens': '600' },
    );
    expect([r.status, r.mode, r.rule]).toEqual([200, 'spec', 'long-output']);
  });

  it('falls to the default mode when no rule matches', async () => {
    const r = await chat(h.http, 'Tell me a story about a lighthouse keeper.', { max_tokens: 200 });
    expect([r.status, r.mode, r.rule]).toEqual([200, 'fp8', 'default']);
  });

  it('lets a type hint win over the heuristic', async () => {
    const r = await chat(h.http, 'Write a python function.', { max_tokens: 64 }, { 'x-modeswitch-type': 'chat' });
    expect(r.rule).toBe('short');
  });

  it('returns the client request id, or a fresh one', async () => {
    expect((await chat(h.http, 'hi', {}, { 'x-request-id': 'abc-123' })).requestId).toBe('abc-123');
    expect((await chat(h.http, 'hi')).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('streams server-sent events through, without the usage chunk the client did not ask for', async () => {
    const res = await fetch(`${h.http}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'Once upon a time', max_tokens: 20, stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-modeswitch-mode')).toBe('int4');
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('data:'));
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(5)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
  });

  it('lists the policy model', async () => {
    const body = (await (await fetch(`${h.http}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(body.data.map((m) => m.id)).toEqual([MODEL]);
  });
});

const generate = (req: GenerateInit, md?: Metadata) => generateOver(h, req, md);

describe('gRPC', () => {
  it('streams a decision, text deltas and a finish with usage', async () => {
    const { events, headers } = await generate({
      messages: [{ role: 'user', content: 'Solve the equation 3x + 5 = 20.' }],
      maxTokens: 12,
    });
    const first = events[0]?.event;
    expect(first?.case).toBe('decision');
    if (first?.case !== 'decision') return;
    expect([first.value.mode, first.value.rule]).toEqual(['fp16', 'quality-first']);
    expect(first.value.reason).toContain('quality-first');
    expect(headers.get('x-modeswitch-mode')).toEqual(['fp16']);
    expect(events.filter((e) => e.event.case === 'delta').length).toBeGreaterThan(0);
    const last = events.at(-1)?.event;
    expect(last?.case).toBe('finish');
    if (last?.case === 'finish') {
      expect(last.value.usage?.completionTokens).toBe(12);
      expect(last.value.finishReason).toBe('length');
    }
  });

  it('classifies without generating: features, decision and reason', async () => {
    const md = new Metadata();
    md.set('x-modeswitch-tenant', 'acme');
    const res = await new Promise<ClassifyResponse>((resolve, reject) =>
      h.grpc.classify(create(ClassifyRequestSchema, { request: { prompt: 'Hi', maxTokens: 50 } }), md, (err, r) =>
        err || !r ? reject(err) : resolve(r),
      ),
    );
    expect(res.features?.tenant).toBe('acme');
    expect(res.features?.maxOutputTokens).toBe(50);
    expect([res.decision?.mode, res.decision?.rule]).toEqual(['int4', 'short']);
  });
});

describe('accounting', () => {
  it('exposes requests, tokens and energy per mode', async () => {
    await chat(h.http, 'Hello', { max_tokens: 8 });
    await waitFor('energy of int4', async () =>
      (await (await fetch(h.metricsUrl)).text()).includes(
        'modeswitch_energy_joules_total{policy="llm/llama",mode="int4"}',
      ),
    );
    const text = await (await fetch(h.metricsUrl)).text();
    expect(text).toMatch(/modeswitch_requests_total\{policy="llm\/llama",mode="int4",rule="short",code="200"\} [1-9]/);
    expect(text).toMatch(/modeswitch_tokens_total\{policy="llm\/llama",mode="int4",kind="output"\} [1-9]/);
    expect(text).toMatch(/modeswitch_gpu_power_watts\{policy="llm\/llama",mode="int4"\} [1-9]/);
    expect(text).toMatch(/modeswitch_telemetry_age_seconds\{source="dcgm"\}/);
  });

  it("publishes each mode's fitted model, refitted from streamed answers under rules too, as the operator reads it", async () => {
    for (let i = 0; i < 3; i += 1) await chat(h.http, 'Hello', { max_tokens: 32, stream: true });
    await waitFor('an inter-token sample of int4', async () =>
      /modeswitch_mode_model_samples_total\{policy="llm\/llama",mode="int4",signal="inter_token"\} [1-9]/.test(
        await (await fetch(h.metricsUrl)).text(),
      ),
    );
    // The capacity controller's own reader of a router page.
    const page = readRouterPage(await (await fetch(h.metricsUrl)).text(), 'llm/llama');
    expect([...page.fits.keys()].sort()).toEqual(['fp16', 'fp8', 'int4', 'spec']);
    // int4 moved from its seed to what its engine did, and the page shows the line the router itself routes on.
    const seed = seedPolicyModels(resolvePolicy(policy)).get('int4')!.model.interToken;
    const published = page.fits.get('int4')?.interToken;
    expect(published).not.toEqual(seed);
    const live = h.router.core.models.fitted().get('int4')!.interToken;
    expect(published?.intercept).toBeCloseTo(live.intercept, 12);
    expect(published?.slope).toBeCloseTo(live.slope, 12);
  });
});
