import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startSimEngine, type SimEngine } from '../../src/sim/engine/server.js';
import { encode } from '../../src/sim/engine/tokens.js';
import { createLogger } from '../../src/observability/logger.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const quiet = createLogger('sim-test', { level: 'error' });
let engine: SimEngine;

beforeAll(async () => {
  engine = await startSimEngine({
    mode: 'fp16',
    gpu: 'h100-80gb',
    port: 0,
    timeScale: 200,
    seed: 5,
    podName: 'llama-fp16-0',
    namespace: 'llm',
    logger: quiet,
  });
});
afterAll(async () => {
  await engine.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}, base = engine.url) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

interface SseResult {
  chunks: Array<Record<string, any>>;
  done: boolean;
}

async function readSse(res: Response): Promise<SseResult> {
  const text = await res.text();
  const events = text.split('\n\n').filter((e) => e.length > 0);
  for (const e of events) expect(e.startsWith('data: ')).toBe(true);
  const payloads = events.map((e) => e.slice('data: '.length));
  return {
    chunks: payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p)),
    done: payloads.at(-1) === '[DONE]',
  };
}

async function metrics() {
  const res = await fetch(`${engine.url}/metrics`);
  return parsePrometheusTextFormat(await res.text());
}

describe('simulated vLLM OpenAI API', () => {
  it('lists the served model', async () => {
    const res = await fetch(`${engine.url}/v1/models`);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ object: 'list', data: [{ id: MODEL, object: 'model', owned_by: 'vllm' }] });
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  });

  it('answers a non-streaming completion with exact usage and text that re-tokenizes to the count', async () => {
    const prompt = 'The energy cost of a token depends on';
    const res = await post('/v1/completions', { model: MODEL, prompt, max_tokens: 16, ignore_eos: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      object: 'text_completion',
      model: MODEL,
      choices: [{ index: 0, finish_reason: 'length' }],
    });
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.usage).toEqual({
      prompt_tokens: encode(prompt).length + 1,
      completion_tokens: 16,
      total_tokens: encode(prompt).length + 17,
      prompt_tokens_details: null,
    });
    expect(encode(body.choices[0].text)).toHaveLength(16);
  });

  it('answers a chat completion, counting the Llama 3.1 chat template in prompt tokens', async () => {
    const res = await post('/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4000,
    });
    const body = (await res.json()) as any;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.choices[0].finish_reason).toBe('stop');
    // <|begin_of_text|>, system header + date preamble, user turn, assistant header: 36 tokens for "hi".
    expect(body.usage.prompt_tokens).toBe(36);
    expect(encode(body.choices[0].message.content)).toHaveLength(body.usage.completion_tokens);
  });

  it('streams chat as server-sent events: role first, content deltas, finish reason, usage, [DONE]', async () => {
    const res = await post('/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'stream please' }],
      max_tokens: 12,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { chunks, done } = await readSse(res);
    expect(done).toBe(true);
    expect(chunks[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks
      .filter((c) => c.choices.length > 0)
      .map((c) => c.choices[0].delta.content ?? '')
      .join('');
    expect(encode(content)).toHaveLength(12);
    const withFinish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(withFinish).toHaveLength(1);
    expect(withFinish[0]!.choices[0].finish_reason).toBe('length');
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(12);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('streams completions without a usage chunk unless asked', async () => {
    const res = await post('/v1/completions', {
      model: MODEL,
      prompt: 'count',
      max_tokens: 5,
      ignore_eos: true,
      stream: true,
    });
    const { chunks, done } = await readSse(res);
    expect(done).toBe(true);
    expect(chunks.every((c) => c.object === 'text_completion' && c.choices.length === 1 && !('usage' in c))).toBe(true);
    expect(encode(chunks.map((c) => c.choices[0].text).join(''))).toHaveLength(5);
  });

  it('returns errors in vLLM shape', async () => {
    const cases: Array<[Response, number, RegExp]> = [
      [await fetch(`${engine.url}/v1/chat/completions`, { method: 'POST', body: '{not json' }), 400, /Invalid JSON/],
      [await post('/v1/chat/completions', { model: MODEL }), 400, /messages/],
      [
        await post('/v1/chat/completions', { model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] }),
        404,
        /`gpt-4` does not exist/,
      ],
      [
        await post('/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 10_000_000 }),
        400,
        /maximum context length is \d+ tokens/,
      ],
      [await post('/v1/completions', { model: MODEL, prompt: 'x', max_tokens: -1 }), 400, /max_tokens/],
    ];
    for (const [res, status, message] of cases) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as any;
      expect(body).toEqual({
        error: {
          message: expect.stringMatching(message),
          type: status === 400 ? 'BadRequestError' : 'NotFoundError',
          param: null,
          code: status,
        },
      });
    }
    expect((await fetch(`${engine.url}/nope`)).status).toBe(404);
  });

  it('exposes vLLM metric names, types and model_name labels, consistent with usage', async () => {
    const families = await metrics();
    const byName = new Map(families.map((f) => [f.name, f]));
    const expected: Record<string, string> = {
      'vllm:num_requests_running': 'GAUGE',
      'vllm:num_requests_waiting': 'GAUGE',
      'vllm:kv_cache_usage_perc': 'GAUGE',
      'vllm:prompt_tokens_total': 'COUNTER',
      'vllm:generation_tokens_total': 'COUNTER',
      'vllm:request_success_total': 'COUNTER',
      'vllm:prefix_cache_queries_total': 'COUNTER',
      'vllm:prefix_cache_hits_total': 'COUNTER',
      'vllm:time_to_first_token_seconds': 'HISTOGRAM',
      'vllm:inter_token_latency_seconds': 'HISTOGRAM',
      'vllm:e2e_request_latency_seconds': 'HISTOGRAM',
    };
    for (const [name, type] of Object.entries(expected)) expect(byName.get(name)?.type).toBe(type);
    const gen = byName.get('vllm:generation_tokens_total')!.metrics[0]!;
    expect(gen.labels).toEqual({ model_name: MODEL, engine: '0' });
    // 16 + chat (natural) + 12 + 5 tokens so far: at least the forced ones.
    expect(Number(gen.value)).toBeGreaterThanOrEqual(33);
    const ttftBuckets = Object.keys(byName.get('vllm:time_to_first_token_seconds')!.metrics[0]!.buckets ?? {});
    expect(ttftBuckets).toEqual(expect.arrayContaining(['0.001', '0.02', '2560', '+Inf']));
  });

  it('aborts the request in the scheduler when the client disconnects', async () => {
    const controller = new AbortController();
    const res = await fetch(`${engine.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal: controller.signal,
      body: JSON.stringify({ model: MODEL, prompt: 'very long', max_tokens: 120_000, ignore_eos: true, stream: true }),
    });
    await res.body!.getReader().read();
    controller.abort();
    let aborted = 0;
    let running = -1;
    for (let i = 0; i < 100 && !(aborted === 1 && running === 0); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      const byName = new Map((await metrics()).map((f) => [f.name, f]));
      aborted = Number(
        byName.get('vllm:request_success_total')!.metrics.find((m) => m.labels?.['finished_reason'] === 'abort')?.value,
      );
      running = Number(byName.get('vllm:num_requests_running')!.metrics[0]!.value);
    }
    expect(aborted).toBe(1);
    expect(running).toBe(0);
  });

  it('serves 503 while the down fault is on, and recovers', async () => {
    engine.setFault('down');
    const res = await fetch(`${engine.url}/health`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.type).toBe('ServiceUnavailableError');
    engine.setFault(null);
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  });
});

describe('simulated vLLM with speculative decoding: the request temperature reaches the drafter', () => {
  let spec: SimEngine;
  beforeAll(async () => {
    spec = await startSimEngine({
      mode: 'spec-eagle3',
      gpu: 'h100-80gb',
      port: 0,
      timeScale: 1000,
      seed: 7,
      logger: quiet,
    });
  });
  afterAll(async () => {
    await spec.close();
  });

  /** Simulated decode seconds per output token over `requests` sequential 400-token chats at one temperature. */
  async function decodeSecondsPerToken(temperature: number | undefined, requests = 5): Promise<number> {
    // Read from the exposition text: the parser drops a labelled histogram's _sum.
    const read = async () => {
      const text = await (await fetch(`${spec.url}/metrics`)).text();
      const value = (series: string) => Number(new RegExp(`^${series}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return { seconds: value('vllm:request_decode_time_seconds_sum'), tokens: value('vllm:generation_tokens_total') };
    };
    const before = await read();
    for (let i = 0; i < requests; i += 1) {
      const chat = {
        model: MODEL,
        messages: [{ role: 'user', content: 'Tell me about the history of the bicycle.' }],
        max_tokens: 400,
        ignore_eos: true,
        ...(temperature === undefined ? {} : { temperature }),
      };
      const res = await post('/v1/chat/completions', chat, {}, spec.url);
      expect(res.status).toBe(200);
      await res.json();
    }
    const after = await read();
    return (after.seconds - before.seconds) / (after.tokens - before.tokens);
  }

  it('decodes faster at temperature 0 than at 1, and at the model default (0.6, as vLLM) in between', async () => {
    const greedy = await decodeSecondsPerToken(0);
    const unset = await decodeSecondsPerToken(undefined);
    const hot = await decodeSecondsPerToken(1);
    expect(hot / greedy).toBeGreaterThan(1.08);
    expect(unset).toBeGreaterThan(greedy);
    expect(unset).toBeLessThan(hot);
  });
});
