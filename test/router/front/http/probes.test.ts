import { readFileSync } from 'node:fs';
import { MODEL, startHarness, testPolicy } from '../../support/harness.js';
import type { Harness } from '../../support/harness.js';

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** What vLLM's server answers that clients probe before they send work: the router answers the same. */
describe('vLLM probe endpoints on the OpenAI front', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GET /health and GET or POST /ping answer 200 with an empty body while a mode can serve', async () => {
    for (const [path, method] of [
      ['/health', 'GET'],
      ['/ping', 'GET'],
      ['/ping', 'POST'],
    ] as const) {
      const res = await fetch(`${h.http}${path}`, { method });
      expect([path, method, res.status, await res.text()]).toEqual([path, method, 200, '']);
    }
  });

  it('answers 503 on /health once no mode can serve', async () => {
    await Promise.all([...h.engines.values()].flat().map((e) => e.close()));
    let status = 0;
    for (let i = 0; i < 200 && status !== 503; i++) {
      status = (await fetch(`${h.http}/health`)).status;
      if (status !== 503) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(503);
  });

  it('GET /version names the release', async () => {
    const res = await fetch(`${h.http}/version`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: PACKAGE_VERSION });
  });

  it('GET /v1/models/{id} retrieves the served model, slash and all, and 404s any other', async () => {
    for (const path of [MODEL, encodeURIComponent(MODEL)]) {
      const res = await fetch(`${h.http}/v1/models/${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: MODEL, object: 'model', created: 0, owned_by: 'modeswitch' });
    }
    const missing = await fetch(`${h.http}/v1/models/gpt-4o`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('gpt-4o');
  });

  it('refuses other methods with 405 and the allowed ones', async () => {
    const res = await fetch(`${h.http}/health`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
