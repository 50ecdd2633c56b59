import { create } from '@bufbuild/protobuf';
import { GenerateRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import { MODEL, startHarness, testPolicy } from './support/harness.js';
import { waitFor } from '../support/eventually.js';
import type { Harness } from './support/harness.js';

/** What the request-path shortcuts (client bytes forwarded as is, usage read from the answer's tail) must not change. */
describe('passthrough and cancellation through the router', () => {
  let h: Harness;

  beforeAll(async () => {
    // Real time, so a long stream is still running when the client leaves.
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), {
      fp8: { preset: 'fp8', engine: { timeScale: 1 } },
    });
  });
  afterAll(async () => h.close());

  const post = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${h.http}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, ...body }),
      signal,
    });

  it('keeps the usage chunk for a client that asked for it', async () => {
    const text = await (
      await post({ prompt: 'Once upon a time', max_tokens: 5, stream: true, stream_options: { include_usage: true } })
    ).text();
    const chunks = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)) as { choices: unknown[]; usage?: { completion_tokens: number } });
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('counts the tokens of non-streamed answers', async () => {
    const metrics = async () =>
      Number(
        /modeswitch_tokens_total\{[^}]*kind="prompt"\} (\d+)/.exec(await (await fetch(h.metricsUrl)).text())?.[1] ?? 0,
      );
    const before = await metrics();
    const res = await post({ prompt: 'Count these words please', max_tokens: 3 });
    const answer = (await res.json()) as { usage: { prompt_tokens: number } };
    expect(await metrics()).toBe(before + answer.usage.prompt_tokens);
  });

  it('stops the engine when the client goes away mid-stream, and counts it as 499', async () => {
    const abort = new AbortController();
    const res = await post({ prompt: 'Tell me a very long story', max_tokens: 2000, stream: true }, abort.signal);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const engine = h.engines.get('fp8')?.[0];
    expect(engine?.core.runningCount()).toBe(1);
    abort.abort();
    await waitFor('the engine to drop the request', () => engine?.core.runningCount() === 0);
    await waitFor('the 499', async () =>
      /modeswitch_requests_total\{[^}]*code="499"\} 1/.test(await (await fetch(h.metricsUrl)).text()),
    );
    expect(await (await fetch(h.metricsUrl)).text()).not.toMatch(/code="502"/);
  });

  it('stops the engine when the client of a non-streamed request goes away', async () => {
    const abort = new AbortController();
    const pending = post({ prompt: 'Tell me a very long story', max_tokens: 2000 }, abort.signal).catch(
      (err: unknown) => err,
    );
    const engine = h.engines.get('fp8')?.[0];
    await waitFor('the engine to start', () => engine?.core.runningCount() === 1);
    abort.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await waitFor('the engine to drop the request', () => engine?.core.runningCount() === 0);
  });

  it('stops the engine when a gRPC client cancels mid-stream', async () => {
    const call = h.grpc.generate(
      create(GenerateRequestSchema, { prompt: 'Tell me a very long story', maxTokens: 2000 }),
    );
    call.on('error', () => undefined);
    const engine = h.engines.get('fp8')?.[0];
    await new Promise((resolve) => call.once('data', resolve));
    await waitFor('the engine to start', () => engine?.core.runningCount() === 1);
    call.cancel();
    await waitFor('the engine to drop the request', () => engine?.core.runningCount() === 0);
  });
});
