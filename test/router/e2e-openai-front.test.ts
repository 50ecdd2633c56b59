import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { ClassifyRequestSchema, type ClassifyResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { GenerateRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import { MODEL, generateOver, startHarness, testPolicy, type Harness } from './support/harness.js';

/** The router as an OpenAI / vLLM front: parameters reach the engine and come back honoured, errors have one shape. */
describe('the router as a drop-in OpenAI front', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
  });
  afterAll(async () => h.close());

  const post = (path: string, body: Record<string, unknown> | string) =>
    fetch(`${h.http}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify({ model: MODEL, ...body }),
    });
  const classify = (req: MessageInitShape<typeof GenerateRequestSchema>): Promise<ClassifyResponse> =>
    new Promise((resolve, reject) =>
      h.grpc.classify(create(ClassifyRequestSchema, { request: req }), new Metadata(), (err, r) =>
        err || !r ? reject(err) : resolve(r),
      ),
    );

  it('passes chat logprobs and top_logprobs through and the engine honours them', async () => {
    const res = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'Say something' }],
      max_tokens: 5,
      logprobs: true,
      top_logprobs: 2,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    const content = body.choices[0].logprobs.content as any[];
    expect(content).toHaveLength(body.usage.completion_tokens);
    expect(content.map((c) => c.token).join('')).toBe(body.choices[0].message.content);
    expect(content.every((c) => c.top_logprobs.length === 2)).toBe(true);
  });

  it('passes completions logprobs and echo through', async () => {
    const res = await post('/v1/completions', { prompt: 'Once upon a time', max_tokens: 4, logprobs: 1, echo: true });
    const body = (await res.json()) as any;
    const choice = body.choices[0];
    expect(choice.text.startsWith('Once upon a time')).toBe(true);
    expect(choice.logprobs.tokens).toHaveLength(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("answers an engine's refusal in the same OpenAI error shape as its own, keeping the engine's status", async () => {
    const refused = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'hi' }],
      top_logprobs: 2,
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        message: 'when using `top_logprobs`, `logprobs` must be set to true.',
        type: 'invalid_request_error',
        param: 'top_logprobs',
        code: null,
      },
    });
    const own = await post('/v1/chat/completions', '{not json');
    expect(own.status).toBe(400);
    const ownBody = (await own.json()) as { error: Record<string, unknown> };
    expect(Object.keys(ownBody)).toEqual(['error']);
    expect(Object.keys(ownBody.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(ownBody.error['type']).toBe('invalid_request_error');
  });

  it('counts prompt tokens as the engine does: Classify and Generate agree, chat template included', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'What is the capital of France?' },
    ];
    const classified = await classify({ messages });
    const { events } = await generateOver(h, { messages, maxTokens: 2 });
    const finish = events.at(-1)?.event;
    if (finish?.case !== 'finish') throw new Error('the stream did not finish');
    expect(classified.features?.inputTokens).toBe(finish.value.usage?.promptTokens);
    // Over HTTP too, for a single message (the template's system block is there even without a system message).
    const one = [{ role: 'user', content: 'Summarise the plot of Hamlet in one line.' }];
    const usage = ((await (await post('/v1/chat/completions', { messages: one, max_tokens: 2 })).json()) as any).usage;
    expect((await classify({ messages: one })).features?.inputTokens).toBe(usage.prompt_tokens);
    const completion = ((await (await post('/v1/completions', { prompt: 'Hello there', max_tokens: 2 })).json()) as any)
      .usage;
    expect((await classify({ prompt: 'Hello there' })).features?.inputTokens).toBe(completion.prompt_tokens);
  });
});
