import { fileURLToPath } from 'node:url';
import { runOk, venvProgram } from './support/client-tools.js';
import { MODEL, startHarness, testPolicy } from '../router/support/harness.js';
import type { Harness } from '../router/support/harness.js';

/** The official `openai` Python SDK against the router's OpenAI front: what an application written for OpenAI sees. */
describe('the openai Python SDK against the router', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists and retrieves the model, generates (plain and streamed), and gets typed errors', async () => {
    const script = fileURLToPath(new URL('./openai_sdk_calls.py', import.meta.url));
    const { stdout } = await runOk(venvProgram('python'), [script, h.http, MODEL], { timeoutMs: 90_000 });
    const seen = JSON.parse(stdout) as Record<string, Record<string, unknown> | string | string[]>;
    expect(seen['models']).toEqual([MODEL]);
    expect(seen['retrieved']).toBe(MODEL);
    expect(seen['unknown_model']).toMatchObject({ status: 404 });
    expect(seen['chat']).toMatchObject({ mode: 'fp8', finish_reason: 'length', completion_tokens: 8 });
    expect((seen['chat'] as Record<string, string>)['text']).not.toBe('');
    expect((seen['stream'] as Record<string, string>)['text']).not.toBe('');
    expect(seen['stream']).toMatchObject({ completion_tokens: 8 });
    expect(seen['completion']).toMatchObject({ completion_tokens: 8 });
    expect(seen['bad_request']).toEqual({ status: 400 });
  }, 120_000);
});
