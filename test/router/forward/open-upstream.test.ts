import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import type { Routed } from '../../../src/router/core/router-core.js';
import { Cancellation } from '../../../src/router/forward/cancellation.js';
import { openUpstream, UpstreamFailedError, type UpstreamOptions } from '../../../src/router/forward/open-upstream.js';

interface Engine {
  url: string;
  calls: IncomingHttpHeaders[];
  server: Server;
}

/** A stand-in engine: answers after `delayMs` with `status`. */
async function engine(status: number, delayMs = 0): Promise<Engine> {
  const calls: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    calls.push(req.headers);
    req.resume();
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{"choices":[]}'), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

/** Routes to the first engine not yet excluded, as the router's decision does after a failure. */
function routeOver(engines: Engine[]) {
  const records = engines.map((e) => ({ url: e.url, inFlight: 0 }));
  return (exclude: ReadonlySet<string>) => {
    const record = records.find((r) => !exclude.has(r.url));
    return { features: { type: 'code' }, decision: { mode: 'fp8', rule: 'r', pod: record && { record } } } as unknown as Routed;
  };
}

describe('openUpstream', () => {
  const engines: Engine[] = [];
  const dispatcher = new Agent();
  const options = (over: Partial<UpstreamOptions> = {}): UpstreamOptions => ({
    dispatcher, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, generationTimeoutMs: 5000, maxAttempts: 4, ejectMs: 1000, eject: () => undefined, ...over,
  });
  const open = async (pods: Engine[], whole: boolean, over: Partial<UpstreamOptions> = {}) => {
    engines.push(...pods);
    const input = { path: '/v1/chat/completions', body: '{}', requestId: 'req-1', signal: new Cancellation(), route: routeOver(pods), whole };
    return openUpstream(input, options(over));
  };

  afterAll(async () => {
    await dispatcher.close();
    await Promise.all(engines.map((e) => new Promise((r) => e.server.close(r))));
  });

  it('passes the request id and the classified request type on to the engine', async () => {
    const e = await engine(200);
    const up = await open([e], true);
    up.close();
    expect(up.statusCode).toBe(200);
    expect(e.calls[0]?.['x-request-id']).toBe('req-1');
    expect(e.calls[0]?.['x-modeswitch-type']).toBe('code');
  });

  it('waits for a long non-streamed generation instead of cutting it at the headers timeout and re-running it', async () => {
    const slow = await engine(200, 400);
    const spare = await engine(200);
    const up = await open([slow, spare], true, { headersTimeoutMs: 100, generationTimeoutMs: 5000 });
    up.close();
    expect(up.statusCode).toBe(200);
    expect([slow.calls.length, spare.calls.length]).toEqual([1, 0]);
  });

  it('answers 504 without trying another pod when an engine takes longer than allowed', async () => {
    const stuck = await engine(200, 4000);
    const spare = await engine(200);
    const err = await open([stuck, spare], true, { generationTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailedError);
    expect((err as UpstreamFailedError).http).toBe(504);
    expect(spare.calls).toHaveLength(0);
  });

  it('answers 502 with the last error once every pod failed', async () => {
    const a = await engine(500);
    const b = await engine(503);
    const err = await open([a, b], true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailedError);
    expect((err as UpstreamFailedError).http).toBe(502);
    expect((err as Error).message).toMatch(/2 engine attempt\(s\) failed; last: engine answered 503/);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
  });
});
