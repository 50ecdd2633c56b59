import { connect } from 'node:net';
import { MODEL, testPolicy } from '../../support/harness.js';
import { routerOver, standInEngine } from '../../support/stand-in-engine.js';
import type { RouterOver, StandInEngine } from '../../support/stand-in-engine.js';

let engine: StandInEngine;
let r: RouterOver;

beforeAll(async () => {
  engine = await standInEngine();
  r = await routerOver(
    testPolicy({ defaultMode: 'fp8' }, ['fp8']),
    { fp8: [engine] },
    { limits: { bodyTimeoutMs: 300, headersTimeoutMs: 300, maxUnfinishedBodies: 2 } },
  );
});
afterAll(async () => {
  await r.close();
  await engine.close();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${r.http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(5000),
  });

/** Opens a raw connection, writes `head`, and resolves with the first bytes the router answers. */
function rawExchange(head: string): { answer: Promise<string>; close: () => void } {
  const socket = connect(Number(new URL(r.http).port), '127.0.0.1');
  socket.write(head);
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (b: Buffer) => (text += b.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
    setTimeout(() => resolve(text), 4000);
  });
  return { answer, close: () => socket.destroy() };
}

describe('input limits', () => {
  it('answers 400, not 502, to JSON nested thousands of levels deep', async () => {
    const deep = `{"model":"${MODEL}","prompt":"x","user":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await post('/v1/completions', deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/nests deeper than 64 levels/);
  });

  it('answers 408 to a body that never ends, within the body timeout', async () => {
    const started = Date.now();
    const { answer, close } = rawExchange(
      `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":`,
    );
    const text = await answer;
    close();
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers 408 to headers that never end', async () => {
    const { answer, close } = rawExchange('POST /v1/completions HTTP/1.1\r\nHost: x\r\n');
    const text = await answer;
    close();
    expect(text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses more unfinished bodies than allowed at once with 503', async () => {
    const slow = [0, 1].map(() =>
      rawExchange(
        `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const res = await post('/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x' }));
    expect(res.status).toBe(503);
    for (const s of slow) s.close();
  });

  it('refuses a wrong-typed stream_options instead of rewriting it', async () => {
    const res = await post(
      '/v1/completions',
      JSON.stringify({ model: MODEL, prompt: 'x', stream: true, stream_options: 'abc' }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('stream_options');
  });

  it.each([
    ['token ids', [1, 2, 3]],
    ['a batch of strings', ['a', 'b']],
    ['a batch of token-id lists', [[1, 2], [3]]],
  ])('passes a completions prompt of %s on to the engine as OpenAI and vLLM take it', async (_what, prompt) => {
    const res = await post('/v1/completions', JSON.stringify({ model: MODEL, prompt, max_tokens: 2 }));
    expect(res.status).toBe(200);
    expect(JSON.parse(engine.calls.at(-1)?.body ?? '{}').prompt).toEqual(prompt);
  });

  it('answers 404 to an unknown path, whatever the method', async () => {
    expect((await post('/v1/embeddings', '{}')).status).toBe(404);
    expect((await fetch(`${r.http}/nothing`)).status).toBe(404);
  });

  it.each([['0x10'], ['1e308'], ['+5'], ['Infinity']])('refuses the hint number "%s"', async (value) => {
    const res = await post('/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x' }), {
      'x-modeswitch-expected-output-tokens': value,
    });
    expect(res.status).toBe(400);
    expect(
      (await post('/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x' }), { 'x-modeswitch-priority': value }))
        .status,
    ).toBe(400);
  });
});
