import OpenAI from 'openai';
import { startSimEngine, type SimEngine } from '../../src/sim/engine/server.js';
import { createLogger } from '../../src/observability/logger.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
let engine: SimEngine;
let client: OpenAI;

beforeAll(async () => {
  engine = await startSimEngine({
    mode: 'spec-eagle',
    gpu: 'a100-80gb',
    port: 0,
    timeScale: 200,
    seed: 2,
    logger: createLogger('sim-test', { level: 'error' }),
  });
  client = new OpenAI({ baseURL: `${engine.url}/v1`, apiKey: 'EMPTY', maxRetries: 0 });
});
afterAll(async () => {
  await engine.close();
});

describe('the stock OpenAI client against the simulated engine', () => {
  it('lists models and completes chat without streaming', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hi' }],
      max_tokens: 20,
    });
    expect(chat.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chat.usage?.completion_tokens).toBeLessThanOrEqual(20);
  });

  it('streams chat with usage through the SDK iterator', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me more' }],
      max_tokens: 30,
      stream: true,
      stream_options: { include_usage: true },
      // vLLM sampling extension, passed through as vLLM's own clients do.
      ...({ ignore_eos: true } as object),
    });
    let text = '';
    let finish: string | null | undefined;
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(finish).toBe('length');
    expect(completionTokens).toBe(30);
    expect(text.split(' ').length - 1).toBe(30);
  });

  it('runs legacy completions and surfaces errors as APIError with the status', async () => {
    const done = await client.completions.create({ model: MODEL, prompt: 'Once', max_tokens: 8 });
    expect(done.object).toBe('text_completion');
    await expect(
      client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 10_000_000 }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
