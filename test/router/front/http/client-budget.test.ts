import { connect } from 'node:net';
import { ROUTER_DEFAULTS } from '../../../../src/api/v1alpha1/router-config.js';
import { MODEL, testPolicy } from '../../support/harness.js';
import { closedAfterEachTest } from '../../support/stand-in-engine.js';
import type { RouterOver } from '../../support/stand-in-engine.js';

const fleet = closedAfterEachTest();
const KiB = 1024;

/** A client that sends its headers and the first byte of its body, then stalls; resolves with what it was answered. */
function slowBody(r: RouterOver, o: { declared: number; from?: string; apiKey?: string }) {
  const socket = fleet.closing({
    s: connect({ port: Number(new URL(r.http).port), host: '127.0.0.1', localAddress: o.from }),
    close() {
      this.s.destroy();
    },
  }).s;
  const auth = o.apiKey ? `Authorization: Bearer ${o.apiKey}\r\n` : '';
  socket.write(
    `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}Content-Length: ${o.declared}\r\n\r\n{`,
  );
  return new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (b: Buffer) => (text += b.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
    setTimeout(() => resolve(text), 1500);
  });
}

const complete = (r: RouterOver, headers: Record<string, string> = {}) =>
  fetch(`${r.http}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 2 }),
    signal: AbortSignal.timeout(5000),
  });

async function router(limits: Record<string, number>) {
  return fleet.router(
    testPolicy({ defaultMode: 'fp8' }, ['fp8']),
    { fp8: [await fleet.engine()] },
    { maxRequestBytes: 2048 * KiB, limits: { bodyTimeoutMs: 5_000, ...limits } },
  );
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe("the router's budget for request bodies", () => {
  it('answers 429 to one address holding 256 slow bodies while another address still gets 200 (shipped limits)', async () => {
    const r = await router({});
    const answers = Array.from({ length: 256 }, () => slowBody(r, { declared: 100, from: '127.0.0.2' }));
    await settle();
    const other = await complete(r);
    expect(other.status).toBe(200);
    const refused = (await Promise.all(answers)).filter((a) => a.startsWith('HTTP/1.1 429'));
    expect(refused).toHaveLength(256 - ROUTER_DEFAULTS.limits.maxUnfinishedBodiesPerClient);
    expect(refused[0]).toMatch(/retry-after: 1/i);
  });

  it("tells clients apart by API key: one key's large bodies get 429, another key still gets 200", async () => {
    const r = await router({ maxBufferedBytesPerClient: 1024 * KiB, maxBufferedBytes: 4096 * KiB });
    const first = slowBody(r, { declared: 900 * KiB, apiKey: 'alice' });
    const second = slowBody(r, { declared: 200 * KiB, apiKey: 'alice' });
    await settle();
    expect((await complete(r, { authorization: 'Bearer bob' })).status).toBe(200);
    expect(await second).toMatch(/^HTTP\/1\.1 429/);
    expect(await first).toBe('');
  });

  it("answers 503 once all clients together hold the router's whole budget", async () => {
    const r = await router({ maxBufferedBytesPerClient: 1024 * KiB, maxBufferedBytes: 2048 * KiB });
    const held = ['a', 'b'].map((apiKey) => slowBody(r, { declared: 1000 * KiB, apiKey }));
    await settle();
    const res = await fetch(`${r.http}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer c' },
      body: JSON.stringify({ model: MODEL, prompt: 'x'.repeat(100 * KiB) }),
    });
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await Promise.all(held)).toEqual(['', '']);
    // Small requests still fit in what is left.
    expect((await complete(r, { authorization: 'Bearer c' })).status).toBe(200);
  });
});
