import { readFileSync } from 'node:fs';
import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { loraModulesOf } from '../../src/api/v1alpha1/adapters.js';
import type { InferenceModePolicy } from '../../src/api/v1alpha1/types.js';
import { ClassifyRequestSchema, GenerateRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { ClassifyResponse, Decision, GenerateResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import { loadPolicyFile } from '../../src/router/config/load-policy-file.js';
import { waitFor } from '../support/eventually.js';
import { chat, generateOver as generate, MODEL, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';

/** The shipped example: fp16 pods carry the `code` and `math` LoRA adapters, fp8 is the default. */
const example = loadPolicyFile('deploy/examples/llama-3.1-8b-domain-adapters.yaml', (p) => readFileSync(p, 'utf8'));

const CODE = 'Write a python function that reverses a linked list.\n```python\ndef reverse(head):\n```';
const MATH = 'Solve for x: 3x + 5 = 20, and prove that the solution is unique.';
const STORY = 'Tell me a short story about a lighthouse keeper and her dog.';

async function startExample(policy: InferenceModePolicy): Promise<Harness> {
  const fp16 = policy.spec.modes.find((m) => m.name === 'fp16')!;
  const h = await startHarness(policy, {
    fp16: { preset: 'fp16', engine: { loraModules: loraModulesOf(policy.spec.modes, fp16) } },
    fp8: { preset: 'fp8' },
  });
  // The adapters are as ready as their base's pods: the router sees them through fp16's pods.
  await waitFor(
    'adapter modes ready',
    () =>
      h.router.core.modeView()?.states.get('code')?.readyPods === 1n &&
      h.router.core.modeView()?.states.get('fp8')?.readyPods === 1n,
  );
  return h;
}

function decisionOf(events: GenerateResponse[]): Decision {
  const first = events[0]?.event;
  if (first?.case !== 'decision') throw new Error(`first event is ${first?.case}, not the decision`);
  return first.value;
}

function classify(
  h: Harness,
  req: MessageInitShape<typeof GenerateRequestSchema>,
  md = new Metadata(),
): Promise<ClassifyResponse> {
  return new Promise((resolve, reject) =>
    h.grpc.classify(create(ClassifyRequestSchema, { request: req }), md, (err, r) =>
      err || !r ? reject(err) : resolve(r),
    ),
  );
}

describe('the domain-adapters example end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startExample(example);
  });
  afterAll(async () => {
    await h.close();
  });

  it('the fp16 engine serves the base model and both adapters', async () => {
    const engine = h.engines.get('fp16')![0]!;
    const body = (await (await fetch(`${engine.url}/v1/models`)).json()) as {
      data: Array<{ id: string; parent: string | null }>;
    };
    expect(body.data.map((m) => [m.id, m.parent])).toEqual([
      [MODEL, null],
      ['code', MODEL],
      ['math', MODEL],
    ]);
  });

  describe('HTTP', () => {
    it('sends a code request to the code adapter, asking the engine for the adapter by name', async () => {
      const r = await chat(h.http, CODE);
      expect([r.status, r.mode, r.rule]).toEqual([200, 'code', 'code-expert']);
      // The engine names the model it ran in its answer: the adapter, not the base model the client asked for.
      expect(JSON.parse(r.body).model).toBe('code');
    });

    it('names the adapter in a header', async () => {
      const res = await fetch(`${h.http}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: MATH }], max_tokens: 8 }),
      });
      await res.text();
      expect([res.headers.get('x-modeswitch-mode'), res.headers.get('x-modeswitch-adapter')]).toEqual(['math', 'math']);
    });

    it('streams from the math adapter: every chunk comes from it', async () => {
      const res = await fetch(`${h.http}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, prompt: MATH, max_tokens: 12, stream: true }),
      });
      expect(res.headers.get('x-modeswitch-mode')).toBe('math');
      const chunks = (await res.text())
        .split('\n\n')
        .filter((e) => e.startsWith('data: {'))
        .map((e) => JSON.parse(e.slice(6)) as { model: string });
      expect(chunks.length).toBeGreaterThan(1);
      expect(new Set(chunks.map((c) => c.model))).toEqual(new Set(['math']));
    });

    it('lets the client name the domain in x-modeswitch-domain', async () => {
      const r = await chat(h.http, STORY, {}, { 'x-modeswitch-domain': 'math' });
      expect([r.status, r.mode, JSON.parse(r.body).model]).toEqual([200, 'math', 'math']);
    });

    it('sends other requests to the default mode under the base model name, with no adapter header', async () => {
      const res = await fetch(`${h.http}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: STORY }], max_tokens: 8 }),
      });
      const body = (await res.json()) as { model: string };
      expect([res.headers.get('x-modeswitch-mode'), res.headers.get('x-modeswitch-adapter'), body.model]).toEqual([
        'fp8',
        null,
        MODEL,
      ]);
    });

    it('refuses a malformed domain hint with 400 naming the header', async () => {
      const r = await chat(h.http, CODE, {}, { 'x-modeswitch-domain': 'Not A Domain' });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error.param).toBe('x-modeswitch-domain');
    });
  });

  describe('gRPC', () => {
    it('routes code to its adapter and explains the decision', async () => {
      const { events, headers } = await generate(h, { messages: [{ role: 'user', content: CODE }], maxTokens: 8 });
      const d = decisionOf(events);
      expect([d.mode, d.rule, d.adapter]).toEqual(['code', 'code-expert', 'code']);
      expect(d.reason).toBe('rule "code-expert" matched → code; served by code (LoRA adapter "code" on fp16\'s pods)');
      expect(headers.get('x-modeswitch-adapter')).toEqual(['code']);
      const last = events.at(-1)?.event;
      expect(last?.case === 'finish' && last.value.usage?.completionTokens).toBe(8);
    });

    it('routes math by the domain field of the hints', async () => {
      const { events } = await generate(h, { prompt: STORY, maxTokens: 4, hints: { domain: 'math' } });
      expect([decisionOf(events).mode, decisionOf(events).adapter]).toEqual(['math', 'math']);
    });

    it('reports the domain among the features of a dry run', async () => {
      const res = await classify(h, { prompt: CODE, maxTokens: 16 });
      expect([res.features?.domain, res.decision?.mode, res.decision?.adapter]).toEqual(['code', 'code', 'code']);
      const general = await classify(h, { prompt: STORY, maxTokens: 16 });
      expect([general.features?.domain, general.decision?.mode, general.decision?.adapter]).toEqual([
        'general',
        'fp8',
        '',
      ]);
    });

    it('refuses a malformed domain in metadata with INVALID_ARGUMENT', async () => {
      const md = new Metadata();
      md.set('x-modeswitch-domain', 'x_y');
      await expect(classify(h, { prompt: CODE }, md)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
      } satisfies Partial<ServiceError>);
    });
  });

  it('moves an adapter request to a mode on other pods when the base pods fail, asking that one for the base model', async () => {
    const fp16 = h.engines.get('fp16')![0]!;
    fp16.setFault('down');
    try {
      await waitFor(
        'fp16 pods out of rotation',
        () => h.router.core.modeView()?.states.get('code')?.readyPods === 0n,
        10_000,
      );
      const { events } = await generate(h, { messages: [{ role: 'user', content: CODE }], maxTokens: 4 });
      const d = decisionOf(events);
      expect([d.requestedMode, d.mode, d.adapter]).toEqual(['code', 'fp8', '']);
      expect(d.fallbacks.map((f) => f.fromMode)).toEqual(['code', 'fp16']);
      // And over HTTP the fp8 engine was asked for the base model (it has no adapter and would answer 404 otherwise).
      const r = await chat(h.http, CODE);
      expect([r.status, r.mode, JSON.parse(r.body).model]).toEqual([200, 'fp8', MODEL]);
    } finally {
      fp16.setFault(null);
      await waitFor('fp16 pods back', () => h.router.core.modeView()?.states.get('code')?.readyPods === 1n, 10_000);
    }
  }, 30_000);
});

describe('a policy without rules: each request goes to the expert of its domain', () => {
  const noRules: InferenceModePolicy = {
    ...example,
    spec: { ...example.spec, routing: { ...example.spec.routing, rules: [] } },
  };
  let h: Harness;
  beforeAll(async () => {
    h = await startExample(noRules);
  });
  afterAll(async () => {
    await h.close();
  });

  it('routes code and math to their adapters by request.domain, and says so', async () => {
    const code = decisionOf((await generate(h, { prompt: CODE, maxTokens: 4 })).events);
    expect([code.mode, code.rule, code.adapter]).toEqual(['code', 'domain', 'code']);
    expect(code.reason).toBe(
      'no rule matched, request.domain "code" → its expert code; served by code (LoRA adapter "code" on fp16\'s pods)',
    );
    const math = await chat(h.http, MATH);
    expect([math.mode, math.rule, JSON.parse(math.body).model]).toEqual(['math', 'domain', 'math']);
  });

  it('leaves general requests on the default mode', async () => {
    const r = await chat(h.http, STORY);
    expect([r.mode, r.rule]).toEqual(['fp8', 'default']);
  });
});
