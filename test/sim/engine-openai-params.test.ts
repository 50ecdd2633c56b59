import { startSimEngine, type SimEngine } from '../../src/sim/engine/server.js';
import { createLogger } from '../../src/observability/logger.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
let engine: SimEngine;

beforeAll(async () => {
  engine = await startSimEngine({
    mode: 'fp16',
    port: 0,
    timeScale: 500,
    seed: 3,
    logger: createLogger('sim-test', { level: 'error' }),
  });
});
afterAll(async () => engine.close());

const post = (path: string, body: Record<string, unknown>) =>
  fetch(`${engine.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, ...body }),
  });
const chat = (body: Record<string, unknown>) =>
  post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Name a colour' }], max_tokens: 4, ...body });
const complete = (body: Record<string, unknown>) =>
  post('/v1/completions', { prompt: 'Hello world', max_tokens: 3, ...body });

const events = async (res: Response) =>
  (await res.text())
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)) as any);

describe('simulated vLLM request parameters: logprobs, echo, seed', () => {
  it('answers chat logprobs with top_logprobs alternatives per token, each a probability', async () => {
    const res = await chat({ logprobs: true, top_logprobs: 3 });
    expect(res.status).toBe(200);
    const choice = ((await res.json()) as any).choices[0];
    const content = choice.logprobs.content as any[];
    expect(content).toHaveLength(4);
    expect(content.map((c) => c.token).join('')).toBe(choice.message.content);
    for (const c of content) {
      expect(c.logprob).toBeLessThan(0);
      expect(c.bytes).toEqual([...Buffer.from(c.token, 'utf8')]);
      expect(c.top_logprobs).toHaveLength(3);
      expect(c.top_logprobs[0]).toEqual({ token: c.token, logprob: c.logprob, bytes: c.bytes });
      const total = c.top_logprobs.reduce((p: number, t: any) => p + Math.exp(t.logprob), 0);
      expect(total).toBeLessThanOrEqual(1);
    }
  });

  it('gives logprobs without alternatives when only logprobs is set, and none when it is not', async () => {
    const on = ((await (await chat({ logprobs: true })).json()) as any).choices[0].logprobs.content;
    expect(on.every((c: any) => c.top_logprobs.length === 0)).toBe(true);
    expect(((await (await chat({})).json()) as any).choices[0].logprobs).toBeNull();
  });

  it('streams chat logprobs with the tokens of each chunk', async () => {
    const chunks = await events(await chat({ logprobs: true, top_logprobs: 1, stream: true }));
    const withText = chunks.filter((c) => c.choices[0].delta.content);
    expect(withText.length).toBeGreaterThan(0);
    for (const c of withText)
      expect(c.choices[0].logprobs.content.map((t: any) => t.token).join('')).toBe(c.choices[0].delta.content);
  });

  it('refuses what vLLM refuses, with its messages and the parameter named', async () => {
    const cases: Array<[Response, string, RegExp]> = [
      [await chat({ top_logprobs: 2 }), 'top_logprobs', /`logprobs` must be set to true/],
      [await chat({ logprobs: true, top_logprobs: 21 }), 'logprobs', /greater than max allowed: 20/],
      [await chat({ logprobs: true, top_logprobs: 'x' }), 'top_logprobs', /must be an integer/],
      [await complete({ logprobs: -2 }), 'logprobs', /must be a positive value or -1/],
      [await complete({ logprobs: 50 }), 'logprobs', /greater than max allowed: 20/],
      [await complete({ suffix: 'end' }), 'suffix', /suffix/],
    ];
    for (const [res, param, message] of cases) {
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: { message: expect.stringMatching(message), type: 'BadRequestError', param, code: 400 },
      });
    }
  });

  it('echoes a completion prompt, with prompt logprobs whose first is null, and offsets into the text', async () => {
    const body = (await (await complete({ echo: true, logprobs: 2 })).json()) as any;
    const choice = body.choices[0];
    expect(choice.text.startsWith('Hello world')).toBe(true);
    const lp = choice.logprobs;
    // BOS, "Hello", " world", then three generated tokens.
    expect(lp.tokens.slice(0, 3)).toEqual(['<|begin_of_text|>', 'Hello', ' world']);
    expect(lp.tokens).toHaveLength(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(Object.keys(lp.top_logprobs[3])).toHaveLength(2);
    expect(lp.text_offset.slice(0, 3)).toEqual([0, '<|begin_of_text|>'.length, '<|begin_of_text|>Hello'.length]);
    expect(lp.tokens.slice(3).join('')).toBe(choice.text.slice('Hello world'.length));
  });

  it('echoes without logprobs, and streams echo in its first chunk', async () => {
    const plain = ((await (await complete({ echo: true })).json()) as any).choices[0];
    expect(plain.text.startsWith('Hello world')).toBe(true);
    expect(plain.logprobs).toBeNull();
    const chunks = await events(await complete({ echo: true, logprobs: 0, stream: true }));
    expect(chunks[0].choices[0].text.startsWith('Hello world')).toBe(true);
    const tokens = chunks.flatMap((c) => c.choices[0].logprobs?.tokens ?? []);
    expect(tokens.slice(1).join('')).toBe(chunks.map((c) => c.choices[0].text).join(''));
  });

  it("echoes a chat's last assistant message before the answer", async () => {
    const res = await post('/v1/chat/completions', {
      messages: [
        { role: 'user', content: 'Finish: the sky is' },
        { role: 'assistant', content: 'The sky is' },
      ],
      echo: true,
      max_tokens: 2,
    });
    expect(((await res.json()) as any).choices[0].message.content.startsWith('The sky is')).toBe(true);
  });

  it('gives the same answer for the same seed, and refuses a seed that is not an integer', async () => {
    const answer = async (seed: unknown) =>
      ((await (await chat({ seed, max_tokens: 12, logprobs: true })).json()) as any).choices[0];
    const [a, b, c] = [await answer(42), await answer(42), await answer(7)];
    expect(b.message.content).toBe(a.message.content);
    expect(b.logprobs).toEqual(a.logprobs);
    expect(c.message.content).not.toBe(a.message.content);
    const res = await chat({ seed: 'x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('seed');
  });
});
